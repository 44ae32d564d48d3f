"""Works done (dashboards.works): the rollup of the latest monthly reports, level by level, checked
against a recount in Python from the raw rows; the as-of month; scoping; the query count; and the
quantities added to the monthly report."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from dashboards.works import (
    CITY,
    COMMUNITY,
    DISTRICT,
    LEVELS,
    NEIGHBOURHOOD,
    QUANTITY_FIELDS,
    REPORTING,
    STREET,
    works_rollup,
    zero,
)
from governance.models import Neighbourhood
from projects.api.serializers import ProgressReportSerializer
from projects.choices import Stage
from projects.models import ProgressReport, Project
from tests.factories import NeighbourhoodFactory
from tests.projects.factories import ProjectFactory

ADDED = ("illegal_structures_removed_m2", "facades_m2", "security_fire_systems", "lights", "greening_m2")
MONTHS = [datetime.date(2026, m, 1) for m in range(1, 13)]


def _report(project, month, rng):
    values = {}
    for name in QUANTITY_FIELDS:
        if isinstance(zero(name), Decimal):
            places = Decimal("0.001") if name.endswith("_km") else Decimal("0.01")
            values[name] = (Decimal(rng.randint(0, 900000)) / 1000).quantize(places)
        else:
            values[name] = rng.randint(0, 300)
    return ProgressReport.objects.create(
        project=project,
        month=month,
        percent_complete=Decimal(rng.randint(0, 100)),
        investment_to_date=Decimal(rng.randint(0, 10**8)) / 100,
        **values,
    )


def generate(territory, rng, projects=8, extra_neighbourhoods=0):
    """Projects over the fixture's neighbourhoods (single and bundled, across communities and
    streets) with monthly reports on random months; `extra_neighbourhoods` more of each."""
    t = territory
    pool = [t.n111, t.n121, t.n211, t.ne]
    for i in range(extra_neighbourhoods):
        community = rng.choice([t.c11, t.c12, t.c21, t.ce])
        pool.append(NeighbourhoodFactory(community=community, name=f"生成小区{i}"))
    made = []
    for i in range(projects):
        home = rng.choice(pool)
        street = home.community.street
        others = rng.sample(pool, rng.randint(0, 2))
        project = ProjectFactory(
            code=f"W-{rng.random():.12f}",
            lead_street=street,
            year=rng.choice([2025, 2026]),
            neighbourhoods=[home, *others],
        )
        Project.objects.filter(pk=project.pk).update(stage=Stage.CONSTRUCTION)
        for month in sorted(rng.sample(MONTHS, rng.randint(0, 5))):
            _report(project, month, rng)
        made.append(project)
    return made


def recount(month, neighbourhoods, year=None):
    """The figures of every unit, recounted in Python from the raw rows (no aggregation in SQL)."""
    latest = {}
    for report in ProgressReport.objects.all():
        if report.month <= month and (
            report.project_id not in latest or report.month > latest[report.project_id].month
        ):
            latest[report.project_id] = report
    ancestors = {
        n.pk: {
            NEIGHBOURHOOD: n.pk,
            COMMUNITY: n.community_id,
            STREET: n.community.street_id,
            DISTRICT: n.community.street.district_id,
            CITY: None,
        }
        for n in Neighbourhood.objects.select_related("community__street")
    }
    totals = {}
    for project in Project.objects.prefetch_related("neighbourhoods__community"):
        if project.pk not in latest or (year is not None and project.year != year):
            continue
        homes = sorted(
            n.pk for n in project.neighbourhoods.all() if n.community.street_id == project.lead_street_id
        )
        if not homes or homes[0] not in neighbourhoods:
            continue
        for level, pk in ancestors[homes[0]].items():
            figures = totals.setdefault(
                (level, pk), {name: zero(name) for name in (*QUANTITY_FIELDS, REPORTING)}
            )
            for name in QUANTITY_FIELDS:
                figures[name] += getattr(latest[project.pk], name)
            figures[REPORTING] += 1
    return totals


def assert_equals_recount(tree, month, year=None):
    visible = {unit.pk for unit in tree.level(NEIGHBOURHOOD)}
    expected = recount(month, visible, year)
    empty = {name: zero(name) for name in (*QUANTITY_FIELDS, REPORTING)}
    checked = 0
    for unit in tree.units.values():
        assert unit.figures == expected.get(unit.key, empty), (unit.level, unit.name)
        checked += 1
    return checked


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_equals_a_recount_at_every_level(territory, users, seed):
    rng = random.Random(seed)
    generate(territory, rng, projects=14, extra_neighbourhoods=6)
    for month in (MONTHS[2], MONTHS[6], MONTHS[11]):
        tree = works_rollup(users.superuser, month)
        assert assert_equals_recount(tree, month) > 10
        assert {u.level for u in tree.units.values()} == set(LEVELS)
        yearly = works_rollup(users.superuser, month, year=2026)
        assert_equals_recount(yearly, month, year=2026)
    # Something was counted: the test can fail.
    assert works_rollup(users.superuser, MONTHS[11]).root.figures[REPORTING] > 0


@pytest.mark.django_db
def test_each_level_is_the_sum_of_the_level_below(territory, users):
    generate(territory, random.Random(7), projects=10)
    tree = works_rollup(users.superuser, MONTHS[11])
    for level in LEVELS[:-1]:
        for unit in tree.level(level):
            for name in (*QUANTITY_FIELDS, REPORTING):
                assert unit.figures[name] == sum((c.figures[name] for c in unit.children), zero(name))


@pytest.mark.django_db
def test_as_of_month_ignores_later_reports(territory, users):
    t = territory
    project = ProjectFactory(lead_street=t.s1, neighbourhoods=[t.n111])
    Project.objects.filter(pk=project.pk).update(stage=Stage.CONSTRUCTION)
    ProgressReport.objects.create(
        project=project, month=MONTHS[3], percent_complete=20, investment_to_date=1, facades_m2=500, lights=3
    )
    before = works_rollup(users.superuser, MONTHS[4])
    assert before.root.figures["facades_m2"] == Decimal("500.00")
    ProgressReport.objects.create(
        project=project, month=MONTHS[5], percent_complete=60, investment_to_date=3, facades_m2=1500, lights=9
    )
    after = works_rollup(users.superuser, MONTHS[4])
    assert {k: u.figures for k, u in after.units.items()} == {k: u.figures for k, u in before.units.items()}
    later = works_rollup(users.superuser, MONTHS[5])
    # The latest report replaces the earlier one (cumulative figures), never adds to it.
    assert later.root.figures["facades_m2"] == Decimal("1500.00")
    assert later.get(NEIGHBOURHOOD, t.n111.pk).figures["lights"] == 9
    assert works_rollup(users.superuser, MONTHS[2]).root.figures[REPORTING] == 0


@pytest.mark.django_db
def test_bundled_project_counts_once_under_its_home(territory, users):
    t = territory
    project = ProjectFactory(lead_street=t.s2, neighbourhoods=[t.n111, t.n211, t.n121])
    ProgressReport.objects.create(
        project=project, month=MONTHS[0], percent_complete=5, investment_to_date=1, lights=7
    )
    tree = works_rollup(users.superuser, MONTHS[0])
    assert tree.root.figures["lights"] == 7
    assert tree.get(NEIGHBOURHOOD, t.n211.pk).figures["lights"] == 7
    assert tree.get(STREET, t.s1.pk).figures["lights"] == 0


@pytest.mark.django_db
def test_scoping(territory, users):
    t = territory
    generate(territory, random.Random(11), projects=12)
    official = works_rollup(users.official, MONTHS[11])
    assert {u.pk for u in official.level(DISTRICT)} == {t.district.pk}
    assert_equals_recount(official, MONTHS[11])
    street = works_rollup(users.street, MONTHS[11])
    assert {u.pk for u in street.level(STREET)} == {t.s1.pk}
    assert_equals_recount(street, MONTHS[11])
    community = works_rollup(users.community, MONTHS[11], level=COMMUNITY, pk=t.c11.pk)
    assert [u.pk for u in community.level(NEIGHBOURHOOD)] == [t.n111.pk]
    assert_equals_recount(community, MONTHS[11])
    district = works_rollup(users.official, MONTHS[11], level=STREET, pk=t.s2.pk)
    assert {u.pk for u in district.level(STREET)} == {t.s2.pk}
    for actor, level, pk in [
        (users.official, DISTRICT, t.other_district.pk),
        (users.street, STREET, t.s2.pk),
        (users.street, DISTRICT, t.district.pk),  # above the role's own unit
        (users.community, STREET, t.s1.pk),
        (users.community, COMMUNITY, t.c12.pk),
        (users.official, "building", 1),
        (users.nobody, CITY, None),
    ]:
        with pytest.raises(Http404):
            works_rollup(actor, MONTHS[11], level=level, pk=pk)


def _queries(actor, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        works_rollup(actor, MONTHS[11], **kwargs)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_a_fixed_number_of_queries(territory, users):
    district = territory.district.pk
    works_rollup(users.official, MONTHS[0])  # the actor's roles are read once per request, then cached
    generate(territory, random.Random(5), projects=3)
    small = (_queries(users.superuser), _queries(users.official, level=DISTRICT, pk=district))
    generate(territory, random.Random(6), projects=30, extra_neighbourhoods=20)
    large = (_queries(users.superuser), _queries(users.official, level=DISTRICT, pk=district))
    assert small == large == (2, 3)  # the root district is one more query


@pytest.mark.django_db
def test_added_quantities_are_bounded_and_in_the_api(territory):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    refused_values = [("facades_m2", Decimal("-1")), ("lights", 1_000_001), ("greening_m2", Decimal("1e11"))]
    for name, value in refused_values:
        report = ProgressReport(project=project, month=MONTHS[0], percent_complete=1, investment_to_date=0)
        setattr(report, name, value)
        with pytest.raises(ValidationError) as refused:
            report.full_clean()
        assert name in refused.value.message_dict
    assert set(ADDED) <= set(ProgressReportSerializer().fields)
    assert set(ADDED) <= set(QUANTITY_FIELDS)

