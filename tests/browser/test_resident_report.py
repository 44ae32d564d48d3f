"""What residents report (随时反馈) in a real browser: on a phone (390×844, zh-CN) a resident signs
in with the household code, reports a works-quality problem with a photo from /me/; community staff
answer it in the admin (a desktop window), then close it; the resident reads the answer on /me/,
and the neighbourhood's public page counts "收集 1 条，办结 1 条". Screenshots go to
test-artifacts/screenshots/report-*.png."""

import io

import pytest
from PIL import Image

from residents.reports import ResidentReport
from residents.services import household_code_issue_one

from .helpers import admin_login, horizontal_overflow, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def code(transactional_db, territory, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    household = territory.n111.households.order_by("pk").first()
    return household_code_issue_one(household=household, actor=users.community)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "wall.jpg"
    image = Image.new("RGB", (800, 600), (200, 190, 170))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_a_resident_reports_staff_answer_and_the_public_count_changes(
    phone_page, desktop_page, live_server, territory, code, photo
):
    page, base = phone_page, live_server.url
    public = f"{base}/n/{territory.n111.pk}/"
    page.goto(public)
    assert "收集 0 条，办结 0 条" in page.locator("#resident-reports").inner_text()

    # The resident signs in and reports, with a photo.
    page.goto(f"{base}/code/?next=/me/")
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.get_by_role("button", name="进入").tap()
    page.get_by_role("link", name="反映问题", exact=True).tap()
    page.wait_for_url("**/me/reports/new/")
    page.get_by_label("工程质量").check()
    page.fill("textarea[name=text]", "3栋外墙新刷的涂料起皮开裂，下雨渗水。")
    page.set_input_files("#id_photo1", str(photo))
    assert horizontal_overflow(page) <= 0
    shoot(page, "report-form-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="提交").tap()
    reports = page.locator("#reports")
    assert "已收到您反映的问题" in page.inner_text("body")
    assert "3栋外墙新刷的涂料起皮开裂" in reports.inner_text() and "等待社区答复" in reports.inner_text()
    assert horizontal_overflow(page) <= 0
    shoot(page, "report-sent-phone")
    report = ResidentReport.objects.get()
    assert report.photos.count() == 1 and report.category == "works_quality"

    # Community staff answer it in the admin.
    staff = desktop_page
    admin_login(staff, base, "community11")
    staff.goto(f"{base}/admin/residents/residentreport/")
    staff.get_by_role("link", name="3栋外墙新刷的涂料起皮开裂").click()
    staff.fill("#id_answer", "已通知施工单位，周五前到现场重新处理外墙。")
    shoot(staff, "report-admin-answer-desktop")
    with staff.expect_navigation():
        staff.locator("input[name=_save]").click()
    assert "已答复" in staff.inner_text("#result_list")

    # The resident reads the answer on /me/.
    page.goto(f"{base}/me/")
    mine = page.locator(f"#report-{report.pk}")
    assert "已通知施工单位，周五前到现场重新处理外墙。" in mine.inner_text() and "已答复" in mine.inner_text()
    shoot(page, "report-answered-phone")
    page.goto(public)
    assert "收集 1 条，办结 0 条" in page.locator("#resident-reports").inner_text()

    # Staff close it; the public count changes.
    staff.goto(f"{base}/admin/residents/residentreport/{report.pk}/change/")
    staff.get_by_label("同时办结").check()
    staff.fill("#id_closing_note", "外墙已重新处理。")
    with staff.expect_navigation():
        staff.locator("input[name=_save]").click()
    page.goto(public)
    counts = page.locator("#resident-reports")
    assert "收集 1 条，办结 1 条" in counts.inner_text()
    assert horizontal_overflow(page) <= 0
    shoot(page, "report-public-count-phone")
    page.goto(f"{base}/me/")
    assert "已办结" in page.locator(f"#report-{report.pk}").inner_text()
    assert "外墙已重新处理。" in page.locator(f"#report-{report.pk}").inner_text()
    assert not page.errors and not staff.errors
