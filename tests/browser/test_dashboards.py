"""The officials' dashboards in a browser (issue 10): the demo district official, as `make run`
prints the login, signs in on a 1366×768 desktop (zh-CN), opens the overview, every chart draws
(its canvas holds non-blank pixels) with no console error, drills down to a street and a
neighbourhood through the tables' links, downloads an export; the map of the neighbourhoods draws
and a click on a point opens that neighbourhood's page; the monthly report (月报) downloads and
opens in openpyxl with its total rows. Screenshots go to test-artifacts/screenshots/dashboards-*.png."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from governance.demo import DEMO_LOGINS

from .conftest import CHROMIUM_ARGS  # noqa: F401  (the same browser flags as every browser test)
from .helpers import admin_login, horizontal_overflow, shoot

pytestmark = pytest.mark.browser

DESKTOP_768 = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}

# How many pixels of each chart's canvas are painted (not transparent, not white).
PAINTED = """
(selector) => Array.from(document.querySelectorAll(selector || '.chart[data-drawn] canvas')).map((canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) painted++;
  }
  return painted;
})
"""


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


def test_the_district_official_reads_the_dashboards(page, demo_logins, live_server):
    login = next(login for login in DEMO_LOGINS if login.username == "district")
    assert re.search(rf"district / {login.password}\s+— 甜城区", demo_logins)
    assert f"{live_server.url}/dashboards/" in demo_logins
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

    # The map: its canvas painted, then a click on a point opens that neighbourhood's page.
    _map_point_opens_its_neighbourhood(page)
    with page.expect_navigation():
        page.go_back()
    assert "/dashboards/district/" in page.url

    # The monthly report of the page's month, as the official downloads it.
    _monthly_report_downloads(page)
    assert page.problems == []


# The map point farthest from every other one (so the click cannot land on a neighbour), and where
# it is on the screen: ECharts' own conversion from longitude/latitude to the chart's pixels.
MAP_POINT = """
() => {
  const element = document.querySelector('.chart[data-chart="map"]');
  const chart = window.echarts.getInstanceByDom(element);
  const spec = JSON.parse(document.getElementById('dashboard-charts').textContent).map;
  const points = [];
  spec.series.forEach((s, i) => s.data.forEach((p) => points.push({series: i, p: p})));
  let best = null;
  points.forEach((a) => {
    const [x, y] = chart.convertToPixel({seriesIndex: a.series}, [a.p[0], a.p[1]]);
    a.x = x; a.y = y;
  });
  points.forEach((a) => {
    const gap = Math.min(...points.filter((b) => b !== a).map((b) => Math.hypot(a.x - b.x, a.y - b.y)));
    if (!best || gap > best.gap) best = {gap: gap, a: a};
  });
  const box = element.getBoundingClientRect();
  return {x: box.left + best.a.x, y: box.top + best.a.y, id: best.a.p[2], name: best.a.p[3], count: points.length, gap: best.gap};
}
"""


def _map_point_opens_its_neighbourhood(page):
    section = page.locator("#map")
    section.scroll_into_view_if_needed()
    assert page.locator('.chart[data-chart="map"][data-drawn] canvas').count() >= 1
    painted = page.evaluate(PAINTED, '.chart[data-chart="map"] canvas')
    assert painted and max(painted) > 500, painted
    # The table beside it lists every located neighbourhood; the demo records every location.
    assert section.locator("tbody tr").count() >= 10
    assert "未登记位置" not in section.inner_text()
    shoot(page, "dashboards-6-map", full_page=False)
    point = page.evaluate(MAP_POINT)
    assert point["count"] == section.locator("tbody tr").count()
    assert point["gap"] > 8, point  # pixels to the nearest other point: the click hits this one
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(300)  # the hover's emphasis and tooltip
    with page.expect_navigation():
        page.mouse.click(point["x"], point["y"])
    assert f"/dashboards/neighbourhood/{point['id']}/" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith(point["name"])
    assert len(page.locator(".breadcrumb li").all_inner_texts()) == 4
    shoot(page, "dashboards-7-map-click")


def _monthly_report_downloads(page):
    link = page.locator("p.report a")
    assert "月报" in link.inner_text()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("月报_甜城区_") and download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:  # Playwright's copy has no extension: read it as bytes
        book = load_workbook(io.BytesIO(file.read()))
    assert book.sheetnames[0] == "说明" and "街道汇总" in book.sheetnames and "小区汇总" in book.sheetnames
    rows = [list(row) for row in book["街道汇总"].iter_rows(values_only=True)]
    headers, data, total = rows[1], rows[2:-1], rows[-1]
    assert total[0] == "合计" and len(data) >= 2
    # The total row is the sum of the streets' rows, column by column where both are numbers.
    summed = 0
    for column in range(headers.index("街道") + 1, len(headers)):
        values = [row[column] for row in data]
        if all(isinstance(v, (int, float)) for v in values) and isinstance(total[column], (int, float)) and "率" not in str(headers[column]):
            assert abs(sum(values) - total[column]) < 0.01, headers[column]
            summed += 1
    assert summed >= 5
    shoot(page, "dashboards-8-after-report")


def test_the_tables_carry_the_page_without_javascript(browser, demo_logins, live_server):
    context = browser.new_context(java_script_enabled=False, **DESKTOP_768)
    page = context.new_page()
    admin_login(page, live_server.url, "district", "demo-district")
    page.goto(f"{live_server.url}/dashboards/")
    assert page.locator("table.data").count() >= 4
    assert page.locator(".chart[data-drawn]").count() == 0
    shoot(page, "dashboards-5-no-javascript")
    context.close()


def _district_tab(page, live_server, label, slug):
    """The district official signs in and opens the overview's tab `label`: the district's `slug`
    page."""
    admin_login(page, live_server.url, "district", "demo-district")
    page.goto(f"{live_server.url}/dashboards/")
    with page.expect_navigation():
        page.locator(".tabs a", has_text=label).click()
    assert re.search(rf"/dashboards/district/\d+/{slug}/", page.url)


def test_the_consultation_page_draws_its_charts_and_links_the_admin(page, demo_logins, live_server):
    """The district official opens the consultation tab from the overview: its charts draw with no
    console error, and a waiting item opens the admin page that settles it."""
    _district_tab(page, live_server, "协商议事", "consultation")
    assert page.locator(".tabs [aria-current]").inner_text() == "协商议事"
    _charts_drawn(page)
    assert page.locator("#participation tbody tr").count() >= 2
    assert page.locator("#waiting tbody th a").count() >= 1
    assert horizontal_overflow(page) <= 0
    shoot(page, "dashboards-9-consultation")
    with page.expect_navigation():
        page.locator("#waiting tbody th a").first.click()
    assert "/admin/" in page.url
    assert page.problems == []


def test_the_money_page_draws_its_charts(page, demo_logins, live_server):
    """The money and management tab of the district: its charts draw with no console error, and
    the unmanaged neighbourhoods are listed, each linking its own page."""
    _district_tab(page, live_server, "资金与长效管理", "money")
    _charts_drawn(page)
    assert page.locator("#gaps tbody th a").count() >= 1
    assert page.locator("#subsidies tbody tr").count() >= 1
    assert horizontal_overflow(page) <= 0
    shoot(page, "dashboards-10-money")
    with page.expect_navigation():
        page.locator("#unmanaged tbody th a").first.click()
    assert re.search(r"/dashboards/neighbourhood/\d+/money/", page.url)
    assert page.problems == []
