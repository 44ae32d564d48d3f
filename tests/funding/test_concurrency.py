"""The money invariants under concurrency, on PostgreSQL: two writers racing for the last yuan
each run in their own thread and connection, released together by a barrier; the row lock makes
the second see the first's row, so exactly one succeeds and the other is refused with the figures.
SQLite serialises writers (one database lock), so it cannot show the race: skipped there."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from funding.models import Commitment, Disbursement
from funding.services import commitment_create, disbursement_create

from .conftest import make_source

DAY = datetime.date(2025, 3, 1)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers, so two writers cannot race; set DATABASE_URL to PostgreSQL")


def _race(*calls):
    """Run the calls at once in threads; return what each returned or the message it raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except ValidationError as exc:
            results[i] = " ".join(exc.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_disbursements_race_for_the_last_yuan(users, territory):
    from tests.projects.factories import ProjectFactory

    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    commitment = commitment_create(
        source=make_source(territory), project=project, amount="1000.00", committed_on=DAY, actor=users.street
    )
    disbursement_create(
        commitment=commitment,
        amount="999.00",
        paid_on=DAY,
        payee="甜城建工",
        voucher_number="V0",
        actor=users.street,
    )

    def pay(voucher):
        return lambda: disbursement_create(
            commitment=commitment,
            amount="1.00",
            paid_on=DAY,
            payee="甜城建工",
            voucher_number=voucher,
            actor=users.street,
        )

    results = _race(pay("V1"), pay("V2"))
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
    commitment_create(source=source, project=p1, amount="99.00", committed_on=DAY, actor=users.street)

    def commit(project):
        return lambda: commitment_create(
            source=source, project=project, amount="1.00", committed_on=DAY, actor=users.street
        )

    results = _race(commit(p1), commit(p2))
    assert sorted(type(r).__name__ for r in results) == ["Commitment", "str"], results
    assert "尚未承诺的 0.00 元" in next(r for r in results if isinstance(r, str))
    assert sum(c.amount for c in Commitment.objects.filter(source=source)) == Decimal("100.00")
