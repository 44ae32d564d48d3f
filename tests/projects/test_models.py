"""Constraints of the projects models, and how projects reach the territory."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from governance.scoping import scope
from projects.choices import Stage
from projects.models import Notice, ProgressReport, Project, ScopeItem

from .factories import CatalogueItemFactory, ProjectFactory


def _fails(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


@pytest.mark.django_db
def test_money_and_dates_are_checked(territory):
    t = territory
    _fails(lambda: ProjectFactory(lead_street=t.s1, budget=Decimal("-1")))
    _fails(lambda: ProjectFactory(lead_street=t.s1, contract_amount=Decimal("-0.01")))
    _fails(
        lambda: ProjectFactory(
            lead_street=t.s1,
            planned_start_on=datetime.date(2025, 5, 1),
            planned_end_on=datetime.date(2025, 4, 1),
        )
    )
    _fails(
        lambda: ProjectFactory(
            lead_street=t.s1, started_on=datetime.date(2025, 5, 2), completed_on=datetime.date(2025, 5, 1)
        )
    )
    _fails(lambda: ProjectFactory(lead_street=t.s1, stage=Stage.SUSPENDED))  # remembers nothing
    _fails(lambda: ProjectFactory(lead_street=t.s1, stage_before_suspension=Stage.TENDER))
    project = ProjectFactory(lead_street=t.s1, neighbourhoods=[t.n111])
    item = CatalogueItemFactory()
    _fails(
        lambda: ScopeItem.objects.create(
            project=project,
            neighbourhood=t.n111,
            catalogue_item=item,
            planned_quantity=Decimal("-1"),
            unit_cost=Decimal("1"),
            planned_amount=Decimal("0"),
        )
    )
    report = dict(project=project, investment_to_date=Decimal("0"))
    _fails(
        lambda: ProgressReport.objects.create(
            month=datetime.date(2025, 5, 1), percent_complete=Decimal("100.01"), **report
        )
    )
    _fails(
        lambda: ProgressReport.objects.create(
            month=datetime.date(2025, 5, 2), percent_complete=Decimal("10"), **report
        )
    )
    ProgressReport.objects.create(month=datetime.date(2025, 5, 1), percent_complete=Decimal("10"), **report)
    _fails(
        lambda: ProgressReport.objects.create(
            month=datetime.date(2025, 5, 1), percent_complete=Decimal("20"), **report
        )
    )
    _fails(
        lambda: Notice.objects.create(
            project=project,
            kind="plan",
            title="t",
            body="b",
            starts_on=datetime.date(2025, 5, 2),
            ends_on=datetime.date(2025, 5, 1),
        )
    )


@pytest.mark.django_db
def test_projects_are_scoped_through_their_neighbourhoods_without_duplicates(territory, users):
    t = territory
    bundled = ProjectFactory(lead_street=t.s1, neighbourhoods=[t.n111, t.n121])
    other = ProjectFactory(lead_street=t.s2, neighbourhoods=[t.n211])
    assert list(scope(Project.objects.all(), users.community)) == [bundled]
    assert list(scope(Project.objects.all(), users.street).order_by("pk")) == [bundled]
    assert set(scope(Project.objects.all(), users.official)) == {bundled, other}
    assert scope(Project.objects.all(), users.official).count() == 2  # not one row per neighbourhood
    assert scope(Project.objects.all(), users.nobody).count() == 0
    assert scope(Project.objects.all(), users.official, write=True).count() == 0


@pytest.mark.django_db
def test_coverage_is_derived_from_the_census(territory):
    t = territory
    project = ProjectFactory(lead_street=t.s1, neighbourhoods=[t.n111, t.n121])
    ProjectFactory(lead_street=t.s1, neighbourhoods=[t.n111])
    row = Project.objects.annotate_coverage().get(pk=project.pk)
    assert row.building_count == 2
    assert row.household_count == 8
    assert row.floor_area_total == Decimal("604.00")
