"""The money invariants under concurrency, on PostgreSQL: two writers racing for the last yuan
each run in their own thread and connection, released together by a barrier; the row lock makes
the second see the first's row, so exactly one succeeds and the other is refused with the figures.
SQLite serialises writers (one database lock), so it cannot show the race: skipped there."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from django.db.models import Sum

from funding.models import Commitment, CommitmentReversal, Disbursement, DisbursementReversal
from funding.services import commitment_reverse, disbursement_reverse
from tests.races import at_once, errors_of

from .conftest import commit, make_source, pay


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers, so two writers cannot race; set DATABASE_URL to PostgreSQL")


def _race(*calls):
    """Run the calls at once in threads; return what each returned or the message it raised (any
    other error than a refusal is raised here)."""
    results = at_once(calls, join_timeout=30)
    for result in errors_of(results):
        if not isinstance(result, ValidationError):
            raise result
    return [" ".join(r.messages) if isinstance(r, ValidationError) else r for r in results]


@pytest.mark.django_db(transaction=True)
def test_two_disbursements_race_for_the_last_yuan(users, territory):
    from tests.projects.factories import ProjectFactory

    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    commitment = commit(make_source(territory), project, "1000.00", users.street)
    pay(commitment, "999.00", users.street, "V0")

    def paying(voucher):
        return lambda: pay(commitment, "1.00", users.street, voucher)

    results = _race(paying("V1"), paying("V2"))
    paid = [r for r in results if isinstance(r, Disbursement)]
    refused = [r for r in results if isinstance(r, str)]
    assert len(paid) == 1 and len(refused) == 1, results
    assert refused[0].startswith("拨付金额 1.00 元超过该承诺尚未拨付的 0.00 元")
    assert sum(d.amount for d in Disbursement.objects.filter(commitment=commitment)) == Decimal("1000.00")


@pytest.mark.django_db(transaction=True)
def test_two_commitments_race_for_the_last_yuan_of_a_source(users, territory):
    from tests.projects.factories import ProjectFactory

    p1 = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    p2 = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n121])
    source = make_source(territory, held="100.00")
    commit(source, p1, "99.00", users.street)

    def committing(project):
        return lambda: commit(source, project, "1.00", users.street)

    results = _race(committing(p1), committing(p2))
    assert sorted(type(r).__name__ for r in results) == ["Commitment", "str"], results
    assert "尚未承诺的 0.00 元" in next(r for r in results if isinstance(r, str))
    assert sum(c.amount for c in Commitment.objects.filter(source=source)) == Decimal("100.00")


@pytest.mark.django_db(transaction=True)
def test_a_disbursement_races_the_reversal_of_its_commitment(users, territory):
    """Both take the commitment's lock: either the payment lands first and the reversal is refused
    (a live disbursement), or the reversal lands first and the payment is refused (reversed). Run
    a few rounds so that both orders are likely to occur; each keeps disbursed <= committed."""
    from tests.projects.factories import ProjectFactory

    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    source = make_source(territory, held="100000.00")
    for round_ in range(6):
        commitment = commit(source, project, "100.00", users.street)
        paying = lambda: pay(commitment, "100.00", users.street, f"R{round_}")  # noqa: E731
        undo = lambda: commitment_reverse(commitment=commitment, reason="录入错误", actor=users.street)  # noqa: E731
        calls = (paying, undo) if round_ % 2 else (undo, paying)
        results = _race(*calls)
        done = [r for r in results if not isinstance(r, str)]
        refused = [r for r in results if isinstance(r, str)]
        assert len(done) == 1 and len(refused) == 1, results
        if isinstance(done[0], Disbursement):
            assert refused[0].startswith("该资金承诺尚有 1 笔未冲销的拨付，合计 100.00 元"), refused
        else:
            assert refused[0] == "该资金承诺已冲销，不能再拨付；请对更正后的承诺拨付。", refused
        committed = Commitment.objects.live().filter(pk=commitment.pk).aggregate(t=Sum("amount"))["t"] or 0
        disbursed = (
            Disbursement.objects.live().filter(commitment=commitment).aggregate(t=Sum("amount"))["t"] or 0
        )
        assert disbursed <= committed, (round_, disbursed, committed)
    assert CommitmentReversal.objects.count() == sum(
        1 for c in Commitment.objects.all() if not c.disbursements.exists()
    )


@pytest.mark.django_db(transaction=True)
def test_two_reversals_of_one_disbursement_leave_one(users, territory):
    from tests.projects.factories import ProjectFactory

    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    commitment = commit(make_source(territory), project, "100.00", users.street)
    paid = pay(commitment, "1.00", users.street, "V")
    results = _race(*[lambda: disbursement_reverse(disbursement=paid, reason="重复", actor=users.street)] * 2)
    assert sorted(type(r).__name__ for r in results) == ["DisbursementReversal", "str"], results
    assert "不能重复冲销" in next(r for r in results if isinstance(r, str))
    assert DisbursementReversal.objects.count() == 1
