"""The subsidy plan's add form in the admin: one row per plan year (its rate), one row per score band
(minimum, maximum, payout percentage); each mistake named by its row and field beside the field,
with what was typed kept; a valid form saved through subsidy_plan_create by every role that may
write, and refused (403) to the read-only official."""

import re
from html import unescape

import pytest
from django.urls import reverse

from funding.forms import bands_rows
from funding.models import SubsidyPlan
from funding.services import PLAN_MAX_YEARS
from governance.models import AuditEntry

from .subsidy_helpers import arrangement

pytestmark = pytest.mark.django_db

URL = "admin:funding_subsidyplan_add"


def form_data(neighbourhood, arrangement_row, *, rates=("1.20", "0.80", "0.40"), bands=None, **extra):
    data = {
        "neighbourhood": neighbourhood.pk,
        "arrangement": arrangement_row.pk,
        "name": "东风里物业补贴",
        "area": "5000.00",
        "start_on": "2024-01-01",
        "payers_text": "区财政局:75\n市财政局:25",
    }
    for i, rate in enumerate(rates):
        data[f"rates_rows-{i}-rate"] = rate
    bands = [("80", "100", "100"), ("70", "80", "80")] if bands is None else bands
    for i, (low, high, percent) in enumerate(bands):
        data.update(
            {
                f"bands_rows-{i}-min_score": low,
                f"bands_rows-{i}-max_score": high,
                f"bands_rows-{i}-percent": percent,
            }
        )
    return {**data, **extra}


def errors_of(page):
    """The texts of the page's field errors."""
    return [unescape(text) for text in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)]


@pytest.mark.parametrize("who, place", [("superuser", "n111"), ("street", "n121"), ("community", "n111")])
def test_each_writing_role_saves_a_plan_with_rows(client, users, territory, who, place):
    neighbourhood = getattr(territory, place)
    row = arrangement(neighbourhood, users.street)
    client.force_login(getattr(users, who))
    page = client.get(reverse(URL)).content.decode()
    assert f'name="rates_rows-{PLAN_MAX_YEARS - 1}-rate"' in page and "第10年" in page
    assert 'name="bands_rows-0-min_score" id="id_bands_rows-0-min_score" value="80"' in page

    bands = [("90", "100", "100"), ("75", "90", "60.5"), ("60", "75", "30")]
    data = form_data(neighbourhood, row, bands=bands)
    response = client.post(reverse(URL), data)

    assert response.status_code == 302, errors_of(response.content.decode())
    plan = SubsidyPlan.objects.get()
    assert plan.rates == ["1.20", "0.80", "0.40"] and plan.installments.count() == 3
    assert plan.score_bands == [
        {"min_score": "90", "ratio": "1"},
        {"min_score": "75", "ratio": "0.605"},
        {"min_score": "60", "ratio": "0.3"},
    ]
    assert AuditEntry.objects.filter(action="subsidy_plan_create", target_id=str(plan.pk)).count() == 1
    change = client.get(reverse("admin:funding_subsidyplan_change", args=[plan.pk])).content.decode()
    assert "<th scope=\"row\">第3年</th><td>0.40</td>" in change
    assert "<th scope=\"row\">第2档</th><td>75</td><td>90</td><td>60.5</td>" in change
    assert '{"min_score"' not in change and "[&quot;1.20&quot;" not in change  # no raw JSON


def test_the_official_may_not_add_a_plan(client, users, territory):
    row = arrangement(territory.n111, users.street)
    client.force_login(users.official)
    assert client.post(reverse(URL), form_data(territory.n111, row)).status_code == 403
    assert not SubsidyPlan.objects.exists()


@pytest.mark.parametrize(
    "rates, message",
    [
        ((), "请至少填写第1年的补贴标准。"),
        (("1.20", "", "0.40"), "第2年：请填写补贴标准"),
        (("1.20", "abc"), "第2年的补贴标准“abc”不是有效的数字。"),
        (("1.20", "-1"), "第2年的补贴标准须大于0且不超过 1000.0000 元/平方米·年，现为 -1。"),
        (("1.20", "1000.0001"), "第2年的补贴标准须大于0且不超过 1000.0000"),
        (("0.80", "1.20"), "第2年的补贴标准 1.20 元/平方米·年高于第1年的 0.80"),  # the service's rule
        (("1.20", "0.12345"), "第2年的补贴标准最多四位小数。"),
    ],
)
def test_rate_rows_refused_by_row_and_field(client, users, territory, rates, message):
    row = arrangement(territory.n111, users.street)
    client.force_login(users.community)
    response = client.post(reverse(URL), form_data(territory.n111, row, rates=rates))
    assert response.status_code == 200
    page = response.content.decode()
    assert any(message in error for error in errors_of(page)), errors_of(page)
    assert not SubsidyPlan.objects.exists()
    for i, rate in enumerate(rates):  # what was typed stays in the form
        assert f'name="rates_rows-{i}-rate" id="id_rates_rows-{i}-rate" value="{rate}"' in page


@pytest.mark.parametrize(
    "bands, messages",
    [
        ([], ["请至少填写一档考核得分档次。"]),
        ([("80", "100", "")], ["第1档：请填写发放比例(%)。"]),
        ([("80", "100", "x")], ["第1档的发放比例(%)“x”不是有效的数字。"]),
        ([("80", "101", "100")], ["第1档的最高分(不含，最高档为100)须在0至100之间。"]),
        ([("80", "100", "100"), ("70.125", "80", "80")], ["第2档的最低分(含)最多两位小数。"]),
        ([("80", "70", "100")], ["第1档的最低分须低于最高分。"]),
        ([("80", "95", "100")], ["第1档是最高一档，最高分须为100。"]),
        (
            [("80", "100", "100"), ("60", "75", "80")],
            ["第2档的最高分须等于第1档的最低分 80（各档首尾相接，不重叠、不留空档）。"],
        ),
        (
            [("60", "80", "50"), ("80", "100", "100"), ("50", "65", "10")],
            ["第3档的最高分须等于第1档的最低分 60"],
        ),
        ([("80", "100", "100"), ("70", "80", "x"), ("", "60", "")], ["第2档的发放比例", "第3档：请填写最低分(含)。"]),
    ],
)
def test_band_rows_refused_by_row_and_field(client, users, territory, bands, messages):
    row = arrangement(territory.n111, users.street)
    client.force_login(users.street)
    response = client.post(reverse(URL), form_data(territory.n111, row, bands=bands))
    assert response.status_code == 200
    errors = " ".join(errors_of(response.content.decode()))
    for message in messages:
        assert message in errors
    assert not SubsidyPlan.objects.exists()


def test_service_refusals_stand_beside_their_fields(client, users, territory):
    """The plan's rules are the service's: shares not summing to 100 and a year paying less than a
    cent come back beside the payers and the area, nothing saved."""
    row = arrangement(territory.n111, users.street)
    client.force_login(users.community)
    data = form_data(territory.n111, row, payers_text="区财政局:70\n市财政局:25")
    errors = " ".join(errors_of(client.post(reverse(URL), data).content.decode()))
    assert "各出资方分担比例合计须为100%，现为 95%。" in errors
    data = form_data(territory.n111, row, rates=["0.0001"], area="1.00")
    errors = " ".join(errors_of(client.post(reverse(URL), data).content.decode()))
    assert "的年度补贴不足0.01元" in errors
    client.force_login(users.street)
    other = arrangement(territory.n121, users.street)
    errors = " ".join(errors_of(client.post(reverse(URL), form_data(territory.n111, other)).content.decode()))
    assert "所选长效管理安排不属于该小区。" in errors
    assert not SubsidyPlan.objects.exists()


def test_bands_rows_round_trip():
    rows = bands_rows([{"min_score": "70", "ratio": "0.80"}, {"min_score": "80", "ratio": "1.00"}])
    assert rows == [
        {"min_score": "80", "max_score": "100", "percent": "100"},
        {"min_score": "70", "max_score": "80", "percent": "80"},
    ]
