"""The subsidy plan's admin page in a browser (1366 px, Chinese): a plan year from March, withheld
while it waits for its 2027 annual assessment, then paid once that assessment is recorded, with a
link to it; screenshots subsidy-waiting.png and subsidy-decided.png."""

import datetime

from django.urls import reverse

from funding.services import subsidies_run
from tests.funding.subsidy_helpers import assess, plan

from .helpers import admin_login, horizontal_overflow, shoot

D = datetime.date


def test_the_plan_page_says_what_a_year_waits_for_then_which_assessment_decided_it(
    desktop_page, live_server, users, territory
):
    p = plan(territory.n111, users.street, start_on=D(2027, 3, 1), rates=["1.20", "0.80"])
    subsidies_run(today=D(2028, 3, 1))
    page = admin_login(desktop_page, live_server.url, users.street.username)
    url = live_server.url + reverse("admin:funding_subsidyplan_change", args=[p.pk])
    page.goto(url)
    first_year = page.locator("#schedule tbody tr").first
    assert "等待2027年度考核（考核期截止于 2027-03-01 至 2028-02-29 之间）" in first_year.inner_text()
    assert "暂缓发放" in first_year.inner_text()
    shoot(page, "subsidy-waiting")
    annual = assess(p, 2027, "88", users.street)
    subsidies_run(today=D(2028, 3, 2))
    page.goto(url)
    first_year = page.locator("#schedule tbody tr").first
    link = first_year.get_by_role("link", name="2027年度考核 88.00 分（考核期 2027-01-01 至 2027-12-31，街道考核组）")
    assert link.get_attribute("href") == reverse("admin:governance_assessment_change", args=[annual.pk])
    assert "已发放" in first_year.inner_text() and "等待" not in first_year.inner_text()
    assert horizontal_overflow(page) == 0
    shoot(page, "subsidy-decided")
    page.goto(live_server.url + reverse("admin:funding_subsidyinstallment_changelist"))
    assert "将依据2028年度考核" in page.locator("#result_list").inner_text()
    assert horizontal_overflow(page) == 0
    shoot(page, "subsidy-installments")
