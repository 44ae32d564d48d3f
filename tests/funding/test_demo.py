"""funding.demo: the seed at the tiny scale goes through the services and leaves consistent money;
create_plans_bulk builds what subsidy_plan_create would."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from funding import demo
from funding.models import Commitment, Disbursement, FundingSource, SubsidyInstallment
from funding.services import subsidies_run
from governance.demo import DemoContext
from tests.factories import NeighbourhoodFactory, provider_of

pytestmark = pytest.mark.django_db


def test_seed_small_money_is_consistent(users, territory):
    from tests.projects.factories import ProjectFactory

    projects = [
        ProjectFactory(
            lead_street=territory.s1,
            neighbourhoods=[territory.n111],
            stage="aftercare",
            year=2024,
            contractor="甜城建工",
        ),
        ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n121], stage="consultation"),
    ]
    ctx = DemoContext(scale="tiny", rng=random.Random(1), write=lambda line: None)
    ctx.store.update(
        admin=users.superuser,
        district=territory.district,
        projects=projects,
        neighbourhoods=[territory.n111, territory.n121, territory.n211],
        providers=[provider_of(territory.n111, "甜城安居物业服务有限公司")],
    )
    demo.seed(ctx)
    for source in FundingSource.objects.all():
        assert (source.commitments.aggregate(t=Sum("amount"))["t"] or 0) <= source.amount_held
    for commitment in Commitment.objects.all():
        assert (commitment.disbursements.aggregate(t=Sum("amount"))["t"] or 0) <= commitment.amount
    assert (
        Commitment.objects.filter(project=projects[0]).aggregate(t=Sum("amount"))["t"] == projects[0].budget
    )
    assert Disbursement.objects.exists() and len(ctx.store["subsidy_plans"]) == 1


def test_create_plans_bulk_builds_the_whole_schedule(territory):
    ids = [NeighbourhoodFactory(community=territory.c11).pk for _ in range(3)]
    plan_ids = demo.create_plans_bulk(ids, start_on=datetime.date(2024, 1, 1), scores={2024: 90})
    assert SubsidyInstallment.objects.filter(plan_id__in=plan_ids).count() == 9
    summary = subsidies_run(today=datetime.date(2025, 1, 1))
    assert summary["paid"] == 3
    assert SubsidyInstallment.objects.filter(status="paid").aggregate(t=Sum("amount"))["t"] == Decimal(
        "36000.00"
    )
