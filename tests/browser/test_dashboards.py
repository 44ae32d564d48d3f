"""The officials' dashboards in a browser (issue 10): the demo district official, as `make run`
prints the login, signs in on a 1366×768 desktop (zh-CN), opens the overview, every chart draws
(its canvas holds non-blank pixels) with no console error, drills down to a street and a
neighbourhood through the tables' links, and downloads an export. Screenshots go to
test-artifacts/screenshots/dashboards-*.png."""

import csv
import io
import re
from io import StringIO

import pytest
from django.core.management import call_command

from governance.demo import DEMO_LOGINS

from .conftest import CHROMIUM_ARGS  # noqa: F401  (the same browser flags as every browser test)
from .helpers import admin_login, horizontal_overflow, shoot

pytestmark = pytest.mark.browser

DESKTOP_768 = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}

# How many pixels of each chart's canvas are painted (not transparent, not white).
PAINTED = """
() => Array.from(document.querySelectorAll('.chart[data-drawn] canvas')).map((canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) painted++;
  }
  return painted;
})
"""


@pytest.fixture
def demo(transactional_db, settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", "--base-url", live_server.url, stdout=out)
    return out.getvalue()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(accept_downloads=True, **DESKTOP_768)
    context.set_default_timeout(15_000)
    page = context.new_page()
    # The browser asks for /favicon.ico on its own; the site has none (not the dashboards' concern).
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
    yield page
    context.close()


def _charts_drawn(page):
    page.wait_for_function("document.querySelectorAll('.chart[data-drawn] canvas').length > 0")
    page.wait_for_timeout(1200)  # the charts' entry animation
    painted = page.evaluate(PAINTED)
    drawn = page.locator(".chart[data-drawn]").count()
    assert drawn >= 3 and len(painted) >= drawn, painted
    assert all(count > 500 for count in painted), painted
    return painted


def test_the_district_official_reads_the_dashboards(page, demo, live_server):
    login = next(login for login in DEMO_LOGINS if login.username == "district")
    assert re.search(rf"district / {login.password}\s+— 甜城区", demo)
    assert f"{live_server.url}/dashboards/" in demo
    admin_login(page, live_server.url, "district", login.password)

    # The admin header links to the dashboards; the official lands on the district.
    with page.expect_navigation():
        page.get_by_role("link", name="领导看板").click()
    assert "/dashboards/district/" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("甜城区")
    _charts_drawn(page)
    assert horizontal_overflow(page) <= 0
    shoot(page, "dashboards-1-district")

    # Drill down: a street, then a neighbourhood with a project in this year's plan.
    rate_table = page.locator("#start_rate table")
    with page.expect_navigation():
        rate_table.locator("tbody th a").first.click()
    assert "/dashboards/street/" in page.url
    crumbs = page.locator(".breadcrumb li").all_inner_texts()
    assert crumbs[0] == "甜城区" and len(crumbs) == 2
    _charts_drawn(page)
    shoot(page, "dashboards-2-street")
    with page.expect_navigation():
        page.locator("#start_rate tbody th a").first.click()
    assert "/dashboards/community/" in page.url
    links = page.locator("#start_rate tbody tr")
    planned = [
        i for i in range(links.count()) if links.nth(i).locator("td").nth(0).inner_text().strip() not in ("0", "—")
    ]
    assert planned, "no neighbourhood of the community is in this year's plan"
    with page.expect_navigation():
        links.nth(planned[0]).locator("th a").click()
    assert "/dashboards/neighbourhood/" in page.url
    assert len(page.locator(".breadcrumb li").all_inner_texts()) == 4
    assert page.locator("#projects tbody tr").count() >= 1
    shoot(page, "dashboards-3-neighbourhood")

    # Back up by the breadcrumb, then download the start-rate table.
    with page.expect_navigation():
        page.locator(".breadcrumb a").first.click()
    assert "/dashboards/district/" in page.url
    with page.expect_download() as download_info:
        page.locator("#start_rate .exports a", has_text="CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("甜城区_") and download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert rows[0][0] == "街道" and len(rows) >= 2
    shoot(page, "dashboards-4-after-download")
    assert page.problems == []


def test_the_tables_carry_the_page_without_javascript(browser, demo, live_server):
    context = browser.new_context(java_script_enabled=False, **DESKTOP_768)
    page = context.new_page()
    admin_login(page, live_server.url, "district", "demo-district")
    page.goto(f"{live_server.url}/dashboards/")
    assert page.locator("table.data").count() >= 4
    assert page.locator(".chart[data-drawn]").count() == 0
    shoot(page, "dashboards-5-no-javascript")
    context.close()
