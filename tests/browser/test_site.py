"""What a new user meets: the home page on a phone and a desktop, the language switch, and each
staff role logging in through the admin and seeing only its own territory."""
import pytest

from .helpers import admin_login, horizontal_overflow, shoot

pytestmark = pytest.mark.browser

TITLE = "老旧小区改造管理平台"
ALL_NEIGHBOURHOODS = {"新华里", "东风里", "北门里", "远郊里"}  # tests/conftest.py's territory
# role fixture name → the neighbourhoods its territory holds
VISIBLE = {
    "superuser": ALL_NEIGHBOURHOODS,
    "official": {"新华里", "东风里", "北门里"},  # district 甜城区
    "street": {"新华里", "东风里"},  # street 玉溪街道
    "community": {"新华里"},  # community 新华社区
}


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_home_page_shows_the_title_and_the_staff_entry(device, request, live_server):
    page = request.getfixturevalue(f"{device}_page")
    response = page.goto(live_server.url + "/")

    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", level=1, name=TITLE).is_visible()
    staff_entry = page.get_by_role("link", name="工作人员入口")
    assert staff_entry.is_visible()
    assert staff_entry.get_attribute("href") == "/admin/"
    # site.css is served and applied: the header carries the brand colour.
    header_colour = page.eval_on_selector(".site-header", "el => getComputedStyle(el).backgroundColor")
    assert header_colour == "rgb(180, 35, 24)"
    assert horizontal_overflow(page) <= 0
    # Thumbs need targets of at least 44 CSS pixels (WCAG 2.5.5).
    assert page.get_by_role("button", name="English").bounding_box()["height"] >= 44
    assert staff_entry.bounding_box()["height"] >= 44
    assert page.errors == []
    assert shoot(page, f"home-{device}").stat().st_size > 0


def test_home_page_staff_entry_leads_to_the_admin_login(phone_page, live_server):
    phone_page.goto(live_server.url + "/")
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name="工作人员入口").tap()

    assert "/admin/login/" in phone_page.url
    assert phone_page.locator("#id_username").is_visible()
    assert horizontal_overflow(phone_page) <= 0
    shoot(phone_page, "admin-login-phone")


def test_language_switch_posts_and_reloads_in_english_and_back(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "/")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    with page.expect_navigation():
        page.get_by_role("button", name="English").tap()

    assert posts == [live_server.url + "/i18n/setlang/"]
    assert page.url == live_server.url + "/"
    assert page.locator("html").get_attribute("lang") == "en"
    shoot(page, "home-phone-en")

    with page.expect_navigation():
        page.get_by_role("button", name="中文").tap()
    assert page.locator("html").get_attribute("lang") == "zh-hans"


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_logs_in_and_sees_only_its_neighbourhoods(role, device, request, users, live_server):
    page = request.getfixturevalue(f"{device}_page")
    user = getattr(users, role)

    admin_login(page, live_server.url, user.username)

    assert page.url == live_server.url + "/admin/"
    assert page.locator("#site-name").inner_text().strip() == TITLE
    assert horizontal_overflow(page) <= 0
    assert page.get_by_role("heading", level=1).first.inner_text().strip() == "工作台"
    shoot(page, f"admin-index-{role}-{device}")

    page.goto(live_server.url + "/admin/governance/neighbourhood/")
    assert page.get_by_role("heading", level=1).first.is_visible()
    names = {name.strip() for name in page.locator("#result_list tbody th").all_inner_texts()}
    assert names == VISIBLE[role]
    assert horizontal_overflow(page) <= 0  # a wide table scrolls inside its box, not the page
    assert not (ALL_NEIGHBOURHOODS - VISIBLE[role]) & set(page.locator("#result_list").inner_text().split())
    assert page.errors == []
    shoot(page, f"neighbourhoods-{role}-{device}")
