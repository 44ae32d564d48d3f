"""The migrations that give an assessment its period and move installments to the new rule
(governance 0004, funding 0003), run on rows written under the old rule: existing assessments get
their calendar year as period; an open installment's expected assessment year becomes the year of
its first day, a withheld one decided by an assessment that no longer decides it is decided again
by the next run, and settled (paid) rows are left as they were."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from funding.choices import InstallmentStatus as S
from funding.models import SubsidyInstallment
from funding.services import subsidies_run
from governance.models import Assessment

from .subsidy_helpers import assess, plan

D = datetime.date
BEFORE = [("governance", "0003_login_counter"), ("funding", "0002_reversals")]
AFTER = [("governance", "0004_assessment_period"), ("funding", "0003_installment_deciding_assessment")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_existing_rows_move_to_the_new_rule(users, territory):
    p = plan(territory.n111, users.street, start_on=D(2026, 3, 1), rates=["1.20", "0.80", "0.40"])
    old_2027 = assess(p, 2027, "90", users.street)  # what the old rule read for year 1
    low_2028 = assess(p, 2028, "50", users.street)  # ... and for year 2
    annual_2026 = assess(p, 2026, "88", users.street)
    # The rows as the old rule left them: year 1 paid on 2027's, year 2 withheld on 2028's, year 3
    # scheduled waiting for 2029's.
    now = datetime.datetime(2027, 3, 1, 2, tzinfo=datetime.timezone.utc)
    rows = {row.year: row for row in p.installments.all()}
    SubsidyInstallment.objects.filter(pk=rows[1].pk).update(
        status=S.PAID,
        assessment=old_2027,
        score=Decimal("90"),
        ratio=Decimal("1"),
        amount=Decimal("12000.00"),
        decided_at=now,
        released_at=now,
        paid_at=now,
        assessment_year=2027,
    )
    SubsidyInstallment.objects.filter(pk=rows[2].pk).update(
        status=S.WITHHELD, assessment=low_2028, score=Decimal("50"), ratio=Decimal("0"), decided_at=now,
        assessment_year=2028,
    )
    SubsidyInstallment.objects.filter(pk=rows[3].pk).update(assessment_year=2029)
    try:
        _migrate(BEFORE)
        _migrate(AFTER)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    periods = {a.year: (a.period_start, a.period_end) for a in Assessment.objects.all()}
    assert periods == {y: (D(y, 1, 1), D(y, 12, 31)) for y in (2026, 2027, 2028)}
    rows = {row.year: row for row in p.installments.all()}
    assert (rows[1].status, rows[1].assessment_id, rows[1].assessment_year) == (S.PAID, old_2027.pk, 2027)
    assert (rows[2].status, rows[2].assessment_id, rows[2].score, rows[2].assessment_year) == (
        S.WITHHELD, None, None, 2027
    )
    assert rows[3].assessment_year == 2028
    subsidies_run(today=D(2028, 3, 2))  # year 2 (2027-03-01 → 2028-02-29) is decided by 2027's 90
    rows[2].refresh_from_db()
    assert (rows[2].status, rows[2].assessment_id) == (S.PAID, old_2027.pk)
    assert rows[2].amount == Decimal("8000.00")
    rows[1].refresh_from_db()  # year 1 stays as it was settled, decided by 2027's and never paid again
    assert (rows[1].status, rows[1].assessment_id, rows[1].payments.count()) == (S.PAID, old_2027.pk, 0)
    assert annual_2026.period_end == D(2026, 12, 31)
