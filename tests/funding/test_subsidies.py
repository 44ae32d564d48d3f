"""Subsidy plans and their installments without a worker: the schedule's dates (a leap year), the
amounts and their split, withheld years released once by a re-assessment, exits, the checks on a
new plan, and the run's fixed number of queries per batch."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.choices import InstallmentStatus as S
from funding.choices import PlanStatus
from funding.demo import create_plans_bulk
from funding.models import SubsidyInstallment, SubsidyPayment, SubsidyPlan
from funding.services import subsidies_run, subsidy_plan_exit
from governance.models import AuditEntry, ManagementMode
from governance.services_management import arrangement_start, assessment_record
from tests.factories import NeighbourhoodFactory

from .subsidy_helpers import arrangement, assess, plan

pytestmark = pytest.mark.django_db
D = datetime.date


def _statuses(plan_row):
    return [(i.year, i.status) for i in SubsidyInstallment.objects.filter(plan=plan_row).order_by("year")]


def test_a_four_year_plan_across_a_leap_year(users, territory):
    p = plan(
        territory.n111,
        users.street,
        start_on=D(2024, 2, 29),
        rates=["2.00", "1.50", "1.50", "1.00"],
        area="1000.00",
    )
    rows = list(p.installments.order_by("year"))
    # Each plan year is decided by the annual assessment whose 31 December falls within it: the
    # calendar year of its first day (funding.schedule.assessment_decides).
    assert [(r.period_start, r.period_end, r.due_on, r.assessment_year) for r in rows] == [
        (D(2024, 2, 29), D(2025, 2, 28), D(2025, 2, 28), 2024),
        (D(2025, 2, 28), D(2026, 2, 28), D(2026, 2, 28), 2025),
        (D(2026, 2, 28), D(2027, 2, 28), D(2027, 2, 28), 2026),
        (D(2027, 2, 28), D(2028, 2, 29), D(2028, 2, 29), 2027),
    ]
    assert p.ends_on == D(2028, 2, 29)
    for year in (2024, 2025, 2026, 2027):
        assess(p, year, "85", users.street)
    subsidies_run(today=D(2025, 2, 27))
    assert _statuses(p)[0] == (1, S.SCHEDULED)  # not due the day before
    subsidies_run(today=D(2025, 2, 28))
    assert _statuses(p)[:2] == [(1, S.PAID), (2, S.SCHEDULED)]
    subsidies_run(today=D(2028, 2, 28))
    assert (
        _statuses(p)[3] == (4, S.SCHEDULED) and SubsidyPlan.objects.get(pk=p.pk).status == PlanStatus.ACTIVE
    )
    subsidies_run(today=D(2028, 2, 29))
    assert all(status == S.PAID for _, status in _statuses(p))
    p.refresh_from_db()
    assert p.status == PlanStatus.EXITED and p.exited_on == D(2028, 2, 29)
    amounts = [i.amount for i in p.installments.order_by("year")]
    assert amounts == [Decimal("2000.00"), Decimal("1500.00"), Decimal("1500.00"), Decimal("1000.00")]
    assert sum(pay.amount for pay in SubsidyPayment.objects.filter(installment__plan=p)) == Decimal("6000.00")
    subsidies_run(today=D(2029, 3, 1))  # an exited plan stops: nothing more
    assert SubsidyPayment.objects.filter(installment__plan=p).count() == 8


def test_withheld_without_assessment_then_released_once_by_a_re_assessment(users, territory):
    p = plan(territory.n111, users.street)  # 2024-01-01, 3 years, due 2025-01-01 for year 1 (assessment 2024)
    subsidies_run(today=D(2025, 1, 1))
    assert _statuses(p)[0] == (1, S.WITHHELD)
    assess(p, 2024, "65.00", users.street)  # below every band: still withheld
    subsidies_run(today=D(2025, 1, 2))
    row = p.installments.get(year=1)
    assert row.status == S.WITHHELD and row.score == Decimal("65.00") and row.amount is None
    reassessed = assess(p, 2024, "75.50", users.street)  # ≥ 70: 80 %
    subsidies_run(today=D(2025, 1, 3))
    row.refresh_from_db()
    assert row.status == S.PAID and row.assessment_id == reassessed.pk and row.ratio == Decimal("0.8")
    assert row.amount == Decimal("9600.00")  # 10,000 m² × 1.20 × 0.8
    assess(p, 2024, "95", users.street)  # a later re-assessment changes nothing already released
    subsidies_run(today=D(2025, 1, 4))
    row.refresh_from_db()
    assert row.amount == Decimal("9600.00") and row.payments.count() == 2
    assert sorted(pay.amount for pay in row.payments.all()) == [Decimal("2400.00"), Decimal("7200.00")]


def test_a_new_arrangement_goes_on_deciding_the_plan_years(users, territory):
    p = plan(territory.n111, users.street)  # on the arrangement current in 2024
    assess(p, 2024, "90", users.street)
    subsidies_run(today=D(2025, 1, 1))
    assert _statuses(p)[0] == (1, S.PAID)
    # The provider changes in 2025: the old arrangement ends, the plan's remaining years are
    # assessed on the new one, and those assessments decide them.
    successor = arrangement_start(
        neighbourhood=territory.n111,
        mode=ManagementMode.SELF_MANAGED,
        started_on=D(2025, 3, 1),
        actor=users.street,
    )
    old_assessment = assess(p, 2025, "60", users.street)  # the old provider's, recorded first
    subsidies_run(today=D(2026, 1, 1))
    assert _statuses(p)[1] == (2, S.WITHHELD)
    decisive = assessment_record(
        arrangement=successor, year=2025, score=Decimal("85"), assessor="街道考核组", actor=users.street
    )
    subsidies_run(today=D(2026, 1, 2))
    row = p.installments.get(year=2)
    assert row.status == S.PAID and row.assessment_id == decisive.pk != old_assessment.pk
    assert row.amount == Decimal("8000.00")  # 10,000 m² × 0.80 × 100 %


def test_amount_rounded_once_and_split_to_the_cent(users, territory):
    payers = [
        {"source": None, "payer_name": n, "share": s}
        for n, s in [("区财政局", "33.34"), ("市财政局", "33.33"), ("街道办事处", "33.33")]
    ]
    p = plan(territory.n111, users.street, area="1234.57", rates=["1.2345"], payers=payers)
    assess(p, 2024, "79.99", users.street)
    subsidies_run(today=D(2025, 1, 1))
    row = p.installments.get()
    # 1234.57 × 1.2345 × 0.8 = 1219.261332 → 1219.26, rounded once at the end
    assert row.amount == Decimal("1219.26")
    lines = [pay.amount for pay in row.payments.order_by("payer__order")]
    # 33.33 % of 1219.26 = 406.379… → 406.38 twice; the first payer takes the rest
    assert lines == [Decimal("406.50"), Decimal("406.38"), Decimal("406.38")] and sum(lines) == row.amount


def test_the_run_twice_pays_once_and_audits_each_run(users, territory):
    p = plan(territory.n111, users.street)
    assess(p, 2024, "88", users.street)
    first = subsidies_run(today=D(2025, 1, 1))
    second = subsidies_run(today=D(2025, 1, 1))
    assert (first["due"], first["released"], first["paid"]) == (1, 1, 1)
    assert (second["due"], second["released"], second["paid"], second["swept"]) == (0, 0, 0, 0)
    assert SubsidyPayment.objects.count() == 2
    assert AuditEntry.objects.filter(action="subsidies_run").count() == 2


def test_the_command_runs_the_same_service(users, territory, capsys):
    p = plan(territory.n111, users.street)
    assess(p, 2024, "80", users.street)
    call_command("run_subsidies", "--date", "2025-01-01")
    assert "发放 1" in capsys.readouterr().out
    assert p.installments.get(year=1).status == S.PAID
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("run_subsidies", "--date", "2025-13-01")


def test_an_early_exit_stops_the_years_not_yet_due(users, territory):
    p = plan(territory.n111, users.street)
    subsidy_plan_exit(plan=p, on=D(2025, 6, 30), actor=users.street)
    subsidies_run(today=D(2027, 1, 1))
    assert _statuses(p) == [(1, S.WITHHELD), (2, S.STOPPED), (3, S.STOPPED)]
    with pytest.raises(ValidationError):
        subsidy_plan_exit(plan=p, on=D(2025, 7, 1), actor=users.street)


@pytest.mark.parametrize(
    "kwargs,field,text",
    [
        ({"rates": ["1.00", "1.20"]}, "rates", "第2年的补贴标准 1.20 元/平方米·年高于第1年的 1.00"),
        ({"rates": []}, "rates", "至少填写一年"),
        ({"rates": ["0.5", "-0.1"]}, "rates", "第2年的补贴标准须大于0"),
        ({"area": "0"}, "area", "补贴面积须大于0"),
        (
            {
                "payers": [
                    {"payer_name": "区财政局", "share": "60"},
                    {"payer_name": "市财政局", "share": "30"},
                ]
            },
            "payers",
            "合计须为100%，现为 90",
        ),
        ({"payers": [{"payer_name": " ", "share": "100"}]}, "payers", "第1个出资方"),
        ({"score_bands": [{"min_score": "120", "ratio": "1"}]}, "score_bands", "最低分须在0至100之间"),
        # 1 m² × 0.004 元 × 80 % = 0.0032 元: a released year of 0.00 could not be paid
        ({"area": "1.00", "rates": ["0.0040"]}, "area", "不足0.01元"),
    ],
)
def test_a_plan_is_checked(users, territory, kwargs, field, text):
    with pytest.raises(ValidationError) as exc:
        plan(territory.n111, users.street, **kwargs)
    assert text in " ".join(exc.value.message_dict[field])
    assert not SubsidyPlan.objects.exists()


def test_no_subsidy_for_an_unmanaged_neighbourhood_nor_a_foreign_arrangement(users, territory):
    none = arrangement_start(
        neighbourhood=territory.n111, mode=ManagementMode.NONE, started_on=D(2023, 1, 1), actor=users.street
    )
    with pytest.raises(ValidationError, match="无人管理"):
        plan(territory.n111, users.street, arrangement_row=none)
    other = arrangement(territory.n121, users.street)
    with pytest.raises(ValidationError, match="不属于该小区"):
        plan(territory.n111, users.street, arrangement_row=other)


def test_a_year_rounding_to_nothing_is_withheld_without_blocking_its_batch(users, territory):
    """A plan written past the service (bulk) whose year rounds to 0.00 is withheld; the other plans
    of the same batch are still paid (before, its UPDATE broke the batch every day)."""
    create_plans_bulk(
        [territory.n111.pk],
        start_on=D(2024, 1, 1),
        rates=["0.0040"],
        area=Decimal("1.00"),
        scores={2024: 90},
    )
    other = plan(territory.n121, users.street)
    assess(other, 2024, "90", users.street)
    summary = subsidies_run(today=D(2025, 1, 1), batch_size=500)
    assert (summary["released"], summary["withheld"], summary["paid"]) == (1, 1, 1)
    tiny = SubsidyInstallment.objects.get(plan__neighbourhood=territory.n111)
    assert tiny.status == S.WITHHELD and tiny.amount is None and not tiny.payments.exists()
    assert other.installments.get(year=1).status == S.PAID


def _run_queries(count, actor, community):
    for _ in range(count):
        p = plan(NeighbourhoodFactory(community=community), actor)
        assess(p, 2024, "90", actor)
    with CaptureQueriesContext(connection) as ctx:
        summary = subsidies_run(today=D(2025, 1, 1), batch_size=500)
    return len(ctx.captured_queries), summary


def test_the_run_takes_a_fixed_number_of_queries_whatever_the_number_of_plans(users, territory):
    few, summary = _run_queries(2, users.street, territory.c11)
    assert summary["paid"] == 2
    SubsidyPlan.objects.update(status=PlanStatus.EXITED)
    many, summary = _run_queries(12, users.street, territory.c11)
    assert summary["paid"] == 12
    assert few == many, (few, many)
