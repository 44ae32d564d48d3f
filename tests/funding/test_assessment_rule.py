"""Which assessment decides a plan year (funding.schedule.assessment_decides): the latest recorded
assessment of the neighbourhood whose period ends within the plan year. The issue's example (a plan
year 2027-03-01 → 2028-02-29 decided by the 2027 annual assessment), assessments whose period is the
plan year itself, the installment's record of the assessment that decided it (admin and API), and
what a waiting installment says it waits for."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from funding.choices import InstallmentStatus as S
from funding.models import SubsidyPayment
from funding.schedule import assessment_decides
from funding.services import deciding_assessments, subsidies_run
from governance.models import Assessment
from governance.services_management import assessment_record

from .subsidy_helpers import assess, plan

pytestmark = pytest.mark.django_db
D = datetime.date

WAITING_2027 = "等待2027年度考核（考核期截止于 2027-03-01 至 2028-02-29 之间）"


def _march_plan(users, territory, **kwargs):
    """The issue's plan: plan years 2027-03-01 → 2028-02-29 and 2028-03-01 → 2029-02-28."""
    return plan(territory.n111, users.street, start_on=D(2027, 3, 1), rates=["1.20", "0.80"], **kwargs)


def test_the_2027_annual_assessment_decides_the_plan_year_from_march_2027(users, territory):
    p = _march_plan(users, territory)
    first, second = p.installments.order_by("year")
    assert (first.period_start, first.period_end) == (D(2027, 3, 1), D(2028, 3, 1))
    assert first.assessment_year == 2027
    assert first.assessment_window == (D(2027, 3, 1), D(2028, 2, 29))
    assert (second.assessment_year, second.assessment_window) == (2028, (D(2028, 3, 1), D(2029, 2, 28)))
    assert first.waiting_for() == "将依据2027年度考核（考核期截止于 2027-03-01 至 2028-02-29 之间）"

    subsidies_run(today=D(2028, 3, 1))  # due, and no 2027 assessment yet
    first.refresh_from_db()
    assert first.status == S.WITHHELD and first.assessment is None
    assert first.waiting_for() == WAITING_2027

    annual = assess(p, 2027, "86", users.street)  # the street office's 2027 annual assessment
    assert (annual.period_start, annual.period_end) == (D(2027, 1, 1), D(2027, 12, 31))
    later = assess(p, 2028, "60", users.street)  # 2028's ends within the second plan year, not the first
    subsidies_run(today=D(2028, 3, 2))
    first.refresh_from_db()
    assert first.status == S.PAID and first.assessment_id == annual.pk != later.pk
    assert first.amount == Decimal("12000.00") and first.waiting_for() == ""
    assert first.decided_by() == "2027年度考核 86.00 分（考核期 2027-01-01 至 2027-12-31，街道考核组）"

    subsidies_run(today=D(2029, 3, 1))  # the second year: decided by 2028's 60 points, withheld
    second.refresh_from_db()
    assert second.status == S.WITHHELD and second.assessment_id == later.pk
    assert second.waiting_for() == "等待重新考核（考核期截止于 2028-03-01 至 2029-02-28 之间）"
    subsidies_run(today=D(2029, 3, 2))
    assert SubsidyPayment.objects.filter(installment__plan=p).count() == 2  # year 1, paid once


def test_an_assessment_of_the_plan_year_itself_decides_it_and_the_latest_recorded_counts(users, territory):
    p = _march_plan(users, territory)
    calendar = assess(p, 2027, "65", users.street)  # below every band
    plan_year = assessment_record(
        arrangement=p.arrangement,
        year=2027,
        period_start=D(2027, 3, 1),
        period_end=D(2028, 2, 29),
        score="75",
        assessor="街道考核组",
        actor=users.street,
    )
    subsidies_run(today=D(2028, 3, 1))
    row = p.installments.get(year=1)
    assert row.status == S.PAID and row.assessment_id == plan_year.pk != calendar.pk
    assert row.amount == Decimal("9600.00")  # 10,000 m² × 1.20 × 80 %
    assert "考核期 2027-03-01 至 2028-02-29" in row.decided_by()


def test_a_withheld_year_is_released_by_a_newer_deciding_assessment_only(users, territory):
    p = _march_plan(users, territory)
    low = assess(p, 2027, "60", users.street)
    subsidies_run(today=D(2028, 3, 1))
    row = p.installments.get(year=1)
    assert row.status == S.WITHHELD and row.assessment_id == low.pk
    assess(p, 2028, "95", users.street)  # newer, but its period ends in the next plan year
    subsidies_run(today=D(2028, 3, 2))
    row.refresh_from_db()
    assert row.status == S.WITHHELD and row.assessment_id == low.pk
    again = assess(p, 2027, "82", users.street)
    first = subsidies_run(today=D(2028, 3, 3))
    second = subsidies_run(today=D(2028, 3, 3))
    row.refresh_from_db()
    assert row.status == S.PAID and row.assessment_id == again.pk
    assert (first["released"], first["paid"], second["released"], second["paid"]) == (1, 1, 0, 0)
    assert row.payments.count() == 2


@pytest.mark.parametrize(
    "first,after",
    [(D(2027, 3, 1), D(2028, 3, 1)), (D(2024, 1, 1), D(2025, 1, 1)), (D(2024, 2, 29), D(2025, 2, 28))],
)
def test_the_rule_in_python_and_in_sql_agree(users, territory, first, after):
    p = plan(territory.n111, users.street, start_on=D(2023, 1, 1), rates=["1.00"])
    day = datetime.timedelta(days=1)
    ends = [first - day, first, D(first.year, 12, 31), after - day, after]
    rows = []
    for end in ends:
        start = max(end - datetime.timedelta(days=364), D(end.year, 1, 1))
        rows.append(
            assessment_record(
                arrangement=p.arrangement,
                year=end.year,
                period_start=start,
                period_end=end,
                score="90",
                assessor="考核组",
                actor=users.street,
            )
        )
    in_sql = set(deciding_assessments(territory.n111.pk, first, after).values_list("pk", flat=True))
    in_python = {a.pk for a in rows if assessment_decides(a.period_end, first, after)}
    assert in_sql == in_python and len(in_python) == 3  # first day, 31 December, last day


def test_an_assessment_period_defaults_to_its_year_and_is_checked(users, territory):
    p = plan(territory.n111, users.street)
    args = {"arrangement": p.arrangement, "year": 2027, "score": "90", "assessor": "考核组"}
    args["actor"] = users.street
    for kwargs, field, text in [
        ({"period_start": D(2027, 5, 1), "period_end": D(2027, 4, 30)}, "period_end", "不能早于"),
        ({"period_start": D(2027, 3, 1), "period_end": D(2028, 3, 1)}, "period_end", "不能超过一年"),
        ({"period_start": D(2025, 3, 1), "period_end": D(2026, 2, 28)}, "period_start", "不在2027年度内"),
    ]:
        with pytest.raises(ValidationError) as exc:
            assessment_record(**args, **kwargs)
        assert text in " ".join(exc.value.message_dict[field]), kwargs
    assert not Assessment.objects.exists()
    leap = assessment_record(**args, period_start=D(2027, 3, 1), period_end=D(2028, 2, 29))
    assert (leap.period_start, leap.period_end) == (D(2027, 3, 1), D(2028, 2, 29))
    only_start = assessment_record(**args, period_start=D(2027, 7, 1))
    assert (only_start.period_start, only_start.period_end) == (D(2027, 7, 1), D(2027, 12, 31))
    bulk = Assessment.objects.bulk_create(
        [
            Assessment(
                arrangement=p.arrangement,
                year=2026,
                score=Decimal("80"),
                assessor="考核组",
                assessed_at=leap.assessed_at,
            )
        ]
    )
    bulk[0].refresh_from_db()
    assert (bulk[0].period_start, bulk[0].period_end) == (D(2026, 1, 1), D(2026, 12, 31))


def test_the_admin_shows_the_deciding_assessment_and_what_a_year_waits_for(client, users, territory):
    p = _march_plan(users, territory)
    subsidies_run(today=D(2028, 3, 1))
    waiting = p.installments.get(year=1)
    client.force_login(users.street)
    for url in [
        reverse("admin:funding_subsidyinstallment_change", args=[waiting.pk]),
        reverse("admin:funding_subsidyinstallment_changelist"),
        reverse("admin:funding_subsidyplan_change", args=[p.pk]),
    ]:
        page = client.get(url).content.decode()
        assert WAITING_2027 in page, url
    changelist = client.get(reverse("admin:funding_subsidyinstallment_changelist")).content.decode()
    assert f'<span title="{WAITING_2027}">等待2027年度考核</span>' in changelist  # short, the whole as title
    annual = assess(p, 2027, "88", users.street)
    subsidies_run(today=D(2028, 3, 2))
    link = reverse("admin:governance_assessment_change", args=[annual.pk])
    decided = "2027年度考核 88.00 分（考核期 2027-01-01 至 2027-12-31，街道考核组）"
    for url in [
        reverse("admin:funding_subsidyinstallment_change", args=[waiting.pk]),
        reverse("admin:funding_subsidyplan_change", args=[p.pk]),
    ]:
        page = client.get(url).content.decode()
        assert f'<a href="{link}">{decided}</a>' in page and WAITING_2027 not in page, url
    changelist = client.get(reverse("admin:funding_subsidyinstallment_changelist")).content.decode()
    assert f'<a href="{link}" title="{decided}">2027年度考核 88.00 分</a>' in changelist
    page = client.get(reverse("admin:governance_assessment_changelist")).content.decode()
    assert "2027-01-01 – 2027-12-31" in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:funding_subsidyplan_change", args=[p.pk])).content.decode()
    assert "To be decided by the 2028 annual assessment" in page


def test_an_assessment_with_its_period_through_the_admin(client, users, territory):
    p = _march_plan(users, territory)
    client.force_login(users.street)
    data = {
        "arrangement": p.arrangement_id,
        "year": "2027",
        "period_start": "2027-03-01",
        "period_end": "2028-02-29",
        "score": "90",
        "items_text": "",
        "assessor": "街道考核组",
        "assessed_at_0": "2028-02-20",
        "assessed_at_1": "10:00:00",
        "note": "",
    }
    response = client.post(reverse("admin:governance_assessment_add"), {**data, "period_end": "2028-03-01"})
    assert response.status_code == 200 and "考核期不能超过一年" in response.content.decode()
    assert client.post(reverse("admin:governance_assessment_add"), data).status_code == 302
    saved = Assessment.objects.get()
    assert (saved.period_start, saved.period_end) == (D(2027, 3, 1), D(2028, 2, 29))
    assert client.post(
        reverse("admin:governance_assessment_add"), {**data, "period_start": "", "period_end": ""}
    ).status_code == 302
    assert Assessment.objects.latest("pk").period_end == D(2027, 12, 31)


def test_the_api_shows_the_deciding_assessment_and_takes_a_period(users, territory):
    p = _march_plan(users, territory)
    api = APIClient()
    api.force_authenticate(users.street)
    body = {
        "arrangement": p.arrangement_id,
        "year": 2027,
        "period_start": "2027-03-01",
        "period_end": "2028-02-29",
        "score": "90",
        "assessor": "街道考核组",
    }
    response = api.post("/api/v1/assessments/", {**body, "period_end": "2026-12-31"}, format="json")
    assert response.status_code == 400 and "period_end" in response.json()
    subsidies_run(today=D(2028, 3, 1))
    rows = api.get("/api/v1/subsidy-installments/", {"plan": p.pk}).json()["results"]
    assert (rows[0]["status"], rows[0]["assessment"]) == ("withheld", None)
    assert rows[0]["assessment_detail"] is None
    assert rows[0]["waiting_for"] == WAITING_2027
    response = api.post("/api/v1/assessments/", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["period_start"], response.json()["period_end"]) == ("2027-03-01", "2028-02-29")
    subsidies_run(today=D(2028, 3, 2))
    rows = api.get("/api/v1/subsidy-installments/", {"plan": p.pk}).json()["results"]
    assert rows[0]["status"] == "paid" and rows[0]["assessment"] == response.json()["id"]
    assert rows[0]["assessment_detail"]["period_end"] == "2028-02-29" and rows[0]["waiting_for"] == ""
    bare = {k: v for k, v in body.items() if not k.startswith("period_")}
    default = api.post("/api/v1/assessments/", {**bare, "year": 2028}, format="json")
    assert default.status_code == 201, default.content
    assert (default.json()["period_start"], default.json()["period_end"]) == ("2028-01-01", "2028-12-31")
