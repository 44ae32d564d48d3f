"""The objection form on a phone (390×844, zh-CN): the live character counter (our static
char-counter.js, no inline script), the same form without JavaScript (the server's message names
the field and the limit), and a signed-in resident who objects without typing the code again.
Screenshots go to test-artifacts/screenshots/objection-*.png."""

import pytest

from projects.models import Objection
from projects.services import OBJECTION_MAX_LENGTH, notice_save
from residents.services import household_codes_issue
from tests.projects.factories import ProjectFactory
from tests.projects.helpers import dated_notice

from .conftest import PHONE, _page
from .helpers import horizontal_overflow, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def notice(transactional_db, territory, users):
    project = ProjectFactory(code="P9", lead_street=territory.s1, neighbourhoods=[territory.n111])
    notice = notice_save(
        notice=dated_notice(project, "新华里改造方案公示", "改造内容：道路、雨污分流、加装电梯。", -2, 5),
        actor=users.street,
    )
    codes = household_codes_issue(neighbourhood=territory.n111, actor=users.street)
    return notice, codes


def _open_form(page, url, notice):
    page.goto(url)
    form = page.locator(f"#notice-{notice.pk}")
    form.get_by_text("我有异议").click()
    return form


def _submit(page, form, notice):
    """Send the form; the page comes back with this notice's form (and its errors)."""
    with page.expect_navigation():
        form.get_by_role("button", name="提交异议").tap()
    return page.locator(f"#notice-{notice.pk}")


def test_the_counter_counts_live_and_never_cuts_the_text(phone_page, live_server, territory, notice):
    page = phone_page
    notice, codes = notice
    form = _open_form(page, f"{live_server.url}/n/{territory.n111.pk}/", notice)
    text, counter = form.locator("textarea[name=text]"), form.locator(".char-counter")
    assert counter.inner_text() == f"已输入0字，还可输入{OBJECTION_MAX_LENGTH}字。"
    text.press_sequentially("希望保留桂花树")
    assert counter.inner_text() == f"已输入7字，还可输入{OBJECTION_MAX_LENGTH - 7}字。"
    text.press("Enter")  # a line break counts as one, as the server counts it
    assert counter.inner_text() == f"已输入8字，还可输入{OBJECTION_MAX_LENGTH - 8}字。"
    # Pasting past the limit: nothing is cut, the counter says by how much it is over.
    text.fill("树" * (OBJECTION_MAX_LENGTH + 3))
    assert len(text.input_value()) == OBJECTION_MAX_LENGTH + 3
    assert counter.inner_text() == f"已超出3字：最多{OBJECTION_MAX_LENGTH}字，请删减后再提交。"
    assert "over" in counter.get_attribute("class") and text.get_attribute("aria-invalid") == "true"
    assert horizontal_overflow(page) <= 0
    shoot(page, "objection-counter-over-phone")
    form.locator("input[name=code]").fill(codes[0].code)
    form = _submit(page, form, notice)
    assert f"“异议内容”最多{OBJECTION_MAX_LENGTH}字，现有{OBJECTION_MAX_LENGTH + 3}字" in form.inner_text()
    text, counter = form.locator("textarea[name=text]"), form.locator(".char-counter")
    assert "已超出3字" in counter.inner_text()
    text.focus()
    text.evaluate("area => area.setSelectionRange(area.value.length, area.value.length)")
    for _ in range(3):
        text.press("Backspace")
    assert counter.inner_text() == f"已输入{OBJECTION_MAX_LENGTH}字，还可输入0字。"
    assert "over" not in counter.get_attribute("class")
    form.locator("input[name=code]").fill(codes[0].code)
    with page.expect_navigation():
        form.get_by_role("button", name="提交异议").tap()
    assert page.get_by_text("异议已提交").is_visible()
    assert len(Objection.objects.get().text) == OBJECTION_MAX_LENGTH
    assert page.errors == []


def test_without_javascript_the_server_names_the_field_and_the_limit(browser, live_server, territory, notice):
    notice, codes = notice
    context, page = _page(browser, {**PHONE, "java_script_enabled": False})
    try:
        form = _open_form(page, f"{live_server.url}/n/{territory.n111.pk}/", notice)
        assert form.locator(".char-counter").inner_text() == f"最多{OBJECTION_MAX_LENGTH}字。"
        form.locator("textarea[name=text]").fill("树" * (OBJECTION_MAX_LENGTH + 3))
        form.locator("input[name=code]").fill(codes[0].code)
        form = _submit(page, form, notice)
        message = form.locator(".errorlist").inner_text()
        assert message == f"“异议内容”最多{OBJECTION_MAX_LENGTH}字，现有{OBJECTION_MAX_LENGTH + 3}字，请删减后再提交。"
        assert len(form.locator("textarea[name=text]").input_value()) == OBJECTION_MAX_LENGTH + 3  # kept
        assert not Objection.objects.exists()
        shoot(page, "objection-too-long-nojs-phone")
    finally:
        context.close()


def test_a_signed_in_resident_is_not_asked_for_the_code_again(phone_page, live_server, territory, notice):
    page = phone_page
    notice, codes = notice
    page.goto(f"{live_server.url}/code/?next=/n/{territory.n111.pk}/")
    page.fill("input[name=code]", codes[2].code)
    with page.expect_navigation():
        page.get_by_role("button", name="进入").tap()
    form = _open_form(page, f"{live_server.url}/n/{territory.n111.pk}/", notice)
    assert form.locator("input[name=code]").count() == 0
    assert form.get_by_text("异议将以本户名义提交").is_visible()
    form.locator("textarea[name=text]").fill("楼道灯位置不合适")
    shoot(page, "objection-signed-in-phone")
    with page.expect_navigation():
        form.get_by_role("button", name="提交异议").tap()
    assert page.get_by_text("异议已提交").is_visible()
    assert Objection.objects.get().household == codes[2].household
    assert page.errors == []
