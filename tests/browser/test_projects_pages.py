"""The projects pages in a real browser, with demo data: a neighbourhood's public page (stage,
timeline, notice with its period, photos, the objection form — and an objection sent through it
with a household code) and the admin project page (stage panel, move refused with its reasons),
on a phone (390×844) and a desktop (1366×900). Screenshots go to test-artifacts/screenshots/."""

import random

import pytest

from governance import demo as governance_demo
from governance.demo import DEMO_LOGINS, DemoContext
from projects import demo as projects_demo
from projects.choices import Stage
from projects.models import Objection, Project
from residents import demo as residents_demo
from residents.services import household_codes_issue

from .helpers import admin_login, horizontal_overflow, shoot

pytestmark = pytest.mark.browser
ADMIN_PASSWORD = next(login.password for login in DEMO_LOGINS if login.username == "admin")


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The tiny demo (territory, households, projects), committed so the live server sees it."""
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext(scale="tiny", rng=random.Random(2001), write=lambda line: None)
    for module in (governance_demo, residents_demo, projects_demo):
        module.seed(ctx)
    return ctx


def _visible(page, text):
    locator = page.get_by_text(text, exact=False).first
    assert locator.is_visible(), text
    return locator


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_public_page_shows_stage_timeline_notice_and_form(device, request, demo, live_server):
    page = request.getfixturevalue(f"{device}_page")
    project = Project.objects.get(stage=Stage.CONSULTATION)
    neighbourhood = project.neighbourhoods.order_by("pk").first()
    response = page.goto(f"{live_server.url}/n/{neighbourhood.pk}/")
    assert response.status == 200
    assert page.get_by_role("heading", level=1, name=neighbourhood.name).is_visible()
    assert page.get_by_role("heading", level=2, name=project.name).is_visible()
    current = page.locator('.stage-steps [aria-current="step"]')
    assert current.is_visible() and current.inner_text() == "协商（三下三上）"
    _visible(page, "进入“协商（三下三上）”")
    _visible(page, "公示期：")
    summary = page.get_by_text("我有异议").first
    assert summary.is_visible() and summary.bounding_box()["height"] >= 44
    summary.click()  # <details>: no JavaScript of ours involved
    code = page.locator(f"#notice-{project.notices.first().pk} input[name=code]")
    assert code.is_visible()
    assert page.get_by_role("button", name="提交异议").first.is_visible()
    assert horizontal_overflow(page) <= 0
    assert page.errors == []
    assert shoot(page, f"projects-public-{device}").stat().st_size > 0


def test_a_resident_objects_from_a_phone(phone_page, demo, live_server):
    page = phone_page
    project = Project.objects.get(stage=Stage.CONSULTATION)
    neighbourhood = project.neighbourhoods.order_by("pk").first()
    issued = household_codes_issue(neighbourhood=neighbourhood, actor=demo.store["admin"])
    notice = project.notices.get()
    page.goto(f"{live_server.url}/n/{neighbourhood.pk}/")
    form = page.locator(f"#notice-{notice.pk}")
    form.get_by_text("我有异议").click()
    form.locator("input[name=code]").fill("WRONG-CODE-0000")
    form.locator("textarea[name=text]").fill("希望保留院内的桂花树")
    with page.expect_navigation():
        form.get_by_role("button", name="提交异议").tap()
    _visible(page, "户码不正确")
    form = page.locator(f"#notice-{notice.pk}")
    assert form.locator("textarea[name=text]").input_value() == "希望保留院内的桂花树"  # kept on error
    form.locator("input[name=code]").fill(issued[0].code)
    with page.expect_navigation():
        form.get_by_role("button", name="提交异议").tap()
    _visible(page, "异议已提交")
    _visible(page, "已收到异议 1 条，已答复 0 条")
    assert Objection.objects.get().household == issued[0].household
    shoot(page, "projects-objection-sent-phone")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_public_page_shows_photos(device, request, demo, live_server):
    page = request.getfixturevalue(f"{device}_page")
    project = Project.objects.filter(photos__isnull=False).distinct().order_by("pk").first()
    neighbourhood = project.neighbourhoods.order_by("pk").first()
    page.goto(f"{live_server.url}/n/{neighbourhood.pk}/")
    images = page.locator(".photos img")
    assert images.count() >= 2
    images.first.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.photos img')].every(i => i.complete)")
    assert images.first.evaluate("img => img.naturalWidth") > 0  # the thumbnail is served
    assert horizontal_overflow(page) <= 0
    shoot(page, f"projects-public-photos-{device}")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_admin_project_page_shows_the_stage_panel_and_refusal_reasons(device, request, demo, live_server):
    page = request.getfixturevalue(f"{device}_page")
    admin_login(page, live_server.url, "admin", ADMIN_PASSWORD)
    project = Project.objects.get(stage=Stage.CONSTRUCTION)
    page.goto(f"{live_server.url}/admin/projects/project/{project.pk}/change/")
    panel = page.locator("#project-stage")
    assert panel.is_visible()
    assert panel.locator(".stage").inner_text() == "施工"
    assert panel.locator(".stage-timeline li").count() == 3  # consultation, tender, construction
    assert page.locator("#scope_items-group").is_visible()
    button = page.get_by_role("button", name="变更阶段")
    assert button.is_visible()
    # The demo's lines have no actual quantities yet: moving to acceptance is refused, with reasons.
    page.select_option("#id_move_to", "acceptance")
    with page.expect_navigation():
        button.click()
    messages = page.locator(".messagelist")
    assert messages.is_visible()
    assert "不能变更为“竣工验收”" in messages.inner_text()
    assert "既无实际工程量，也未说明原因" in messages.inner_text()
    assert Project.objects.get(pk=project.pk).stage == Stage.CONSTRUCTION
    shoot(page, f"projects-admin-project-{device}")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5)
        .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)""")
    assert horizontal_overflow(page) <= 0, wide
    assert page.errors == []
