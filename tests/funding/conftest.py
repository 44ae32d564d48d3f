"""Fixtures of the funding tests: sources in the shared territory, a project over two
neighbourhoods of street S1."""

import datetime
from decimal import Decimal

import pytest

from funding.choices import SourceKind
from funding.models import FundingSource
from funding.services import commitment_create, disbursement_create
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
