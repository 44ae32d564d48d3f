"""Building blocks of the subsidy tests: an arrangement, a plan through the service, assessments."""

import datetime
from decimal import Decimal

from django.utils import timezone

from funding.services import subsidy_plan_create
from governance.models import ManagementMode
from governance.services_management import arrangement_start, assessment_record
from tests.factories import provider_of

PAYERS = [
    {"source": None, "payer_name": "区财政局", "share": "75"},
    {"source": None, "payer_name": "市财政局", "share": "25"},
]


def arrangement(neighbourhood, actor, started_on=datetime.date(2023, 1, 1)):
    return arrangement_start(
        neighbourhood=neighbourhood,
        mode=ManagementMode.PROFESSIONAL,
        provider=provider_of(neighbourhood),
        started_on=started_on,
        fee_per_m2_month=Decimal("0.80"),
        actor=actor,
    )


def plan(
    neighbourhood,
    actor,
    *,
    start_on=datetime.date(2024, 1, 1),
    rates=("1.20", "0.80", "0.40"),
    area="10000.00",
    payers=PAYERS,
    arrangement_row=None,
    **kwargs,
):
    arrangement_row = (
        arrangement_row
        or neighbourhood.arrangements.filter(ended_on__isnull=True).first()
        or arrangement(neighbourhood, actor)
    )
    return subsidy_plan_create(
        neighbourhood=neighbourhood,
        arrangement=arrangement_row,
        area=Decimal(area),
        start_on=start_on,
        rates=list(rates),
        payers=payers,
        actor=actor,
        **kwargs,
    )


def assess(plan_row, year, score, actor):
    return assessment_record(
        arrangement=plan_row.arrangement,
        year=year,
        score=score,
        assessor="街道考核组",
        items={"收费率": "20", "巡查": "20"},
        assessed_at=timezone.now(),
        actor=actor,
    )


def plan_api_body(territory, users):
    """The API body of a valid two-year plan for n111 (under a professional arrangement of street
    S1's staff)."""
    current = arrangement(territory.n111, users.street)
    return {
        "neighbourhood": territory.n111.pk,
        "arrangement": current.pk,
        "area": "8000.00",
        "start_on": "2024-01-01",
        "rates": ["1.00", "0.50"],
        "payers": [{"payer_name": "区财政局", "share": "100"}],
    }


def arrangement_admin_data(neighbourhood, **values):
    """The POST of the management arrangement's admin add page: a professional arrangement of
    `neighbourhood` from 2024-01-01 at 0.80 a m² and month, no provider chosen, no assessment;
    `values` replace fields."""
    return {
        "neighbourhood": neighbourhood.pk,
        "mode": "professional",
        "provider": "",
        "started_on": "2024-01-01",
        "fee_per_m2_month": "0.80",
        "note": "",
        "assessments-TOTAL_FORMS": "0",
        "assessments-INITIAL_FORMS": "0",
        **values,
    }
