"""Fixtures of the funding tests: sources in the shared territory, a project over two
neighbourhoods of street S1."""

import datetime
from decimal import Decimal

import pytest

from funding.choices import IncomeKind, SourceKind
from funding.models import FundingSource, PublicIncome
from funding.services import commitment_create, disbursement_create, public_income_save
from tests.projects.factories import ProjectFactory


@pytest.fixture
def project(territory):
    return ProjectFactory(
        code="P1",
        lead_street=territory.s1,
        neighbourhoods=[territory.n111, territory.n121],
        budget=Decimal("1000000.00"),
    )


def make_source(territory, kind=SourceKind.DISTRICT_BUDGET, held="800000.00", street="s1", name=None):
    return FundingSource.objects.create(
        name=name or f"{kind}资金",
        kind=kind,
        provider="甜城区财政局",
        amount_held=Decimal(held),
        district=territory.district,
        street=getattr(territory, street) if street else None,
    )


@pytest.fixture
def source(territory):
    return make_source(territory)


DAY = datetime.date(2025, 3, 1)


def commit(source, project, amount, actor):
    """A commitment of `amount` from `source` to `project`, on DAY."""
    return commitment_create(source=source, project=project, amount=amount, committed_on=DAY, actor=actor)


def pay(commitment, amount, actor, voucher="V1", payee="甜城建工"):
    """A disbursement of `amount` against `commitment`, on DAY."""
    return disbursement_create(
        commitment=commitment, amount=amount, paid_on=DAY, payee=payee, voucher_number=voucher, actor=actor
    )


def record_income(neighbourhood, amount, actor, use="维修", kind=IncomeKind.PARKING, period=None):
    """A public income of `neighbourhood` recorded by `actor` through the service, for `period`
    (start, end; by default the first half of 2025)."""
    income = PublicIncome(neighbourhood=neighbourhood, kind=kind, amount=Decimal(amount), use=use)
    income.period_start, income.period_end = period or (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    return public_income_save(income=income, actor=actor)
