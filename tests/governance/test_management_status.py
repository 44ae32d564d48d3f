"""Unmanaged (失管) and three-nos (三无) neighbourhoods, derived on a date (issue 13, item 5):
every combination of arrangement, competent unit and self-governance body."""

import datetime
import itertools

import pytest

from governance.bodies import Body
from governance.models import ManagementArrangement, Neighbourhood
from tests.factories import NeighbourhoodFactory, provider_of

ON = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)

# arrangement on ON: (rows to create as (mode, started_on, ended_on), managed on ON?)
ARRANGEMENTS = {
    "none": ([], False),
    "current": ([("professional", ON - 100 * DAY, None)], True),
    "self_managed": ([("self_managed", ON, None)], True),  # starts that very day
    "fallback_ends_today": ([("fallback", ON - 10 * DAY, ON)], True),  # the end day is covered
    "mode_none": ([("none", ON - 100 * DAY, None)], False),  # 无人管理 is no arrangement
    "ended": ([("professional", ON - 100 * DAY, ON - DAY)], False),
    "future": ([("professional", ON + DAY, None)], False),
    "ended_then_none": ([("professional", ON - 300 * DAY, ON - 101 * DAY), ("none", ON - 100 * DAY, None)], False),
}
# competent unit (原产权单位): (value, counts?)
UNITS = {"blank": ("", False), "spaces": ("   ", False), "unit": ("原机械厂", True)}
# self-governance body: (kind, term_start, of the neighbourhood itself?, counts?)
BODIES = {
    "none": (None, None, True, False),
    "owners": ("owners_committee", ON - 400 * DAY, True, True),
    "property": ("property_committee", ON, True, True),
    "self": ("self_management", ON - DAY, True, True),
    # no term start: counts from its registration, which is today, after ON
    "registered_later": ("owners_committee", None, True, False),
    "party": ("party_branch", ON - 400 * DAY, True, False),  # not a self-governance body
    "working": ("working_group", ON - 400 * DAY, True, False),
    "later": ("owners_committee", ON + DAY, True, False),  # elected after the date
    "community": ("owners_committee", ON - 400 * DAY, False, False),  # the community's, not this one's
}


def _make(territory, key):
    arrangement, unit, body = key
    neighbourhood = NeighbourhoodFactory(
        community=territory.c11, name="·".join(key), original_property_unit=UNITS[unit][0]
    )
    for mode, started_on, ended_on in ARRANGEMENTS[arrangement][0]:
        ManagementArrangement.objects.create(
            neighbourhood=neighbourhood,
            mode=mode,
            provider=provider_of(neighbourhood) if mode == "professional" else None,
            started_on=started_on,
            ended_on=ended_on,
        )
    kind, term_start, own, _counts = BODIES[body]
    if kind:
        Body.objects.create(
            community=territory.c11,
            neighbourhood=neighbourhood if own else None,
            kind=kind,
            name=f"{kind}{neighbourhood.pk}",
            term_start=term_start,
        )
    return neighbourhood


def test_every_combination_of_arrangement_unit_and_body(territory):
    combos = list(itertools.product(ARRANGEMENTS, UNITS, BODIES))
    made = {key: _make(territory, key).pk for key in combos}
    rows = {
        row.pk: row
        for row in Neighbourhood.objects.filter(pk__in=made.values()).annotate_management(ON)
    }
    unmanaged = set(Neighbourhood.objects.filter(pk__in=made.values()).unmanaged(ON).values_list("pk", flat=True))
    three_nos = set(Neighbourhood.objects.filter(pk__in=made.values()).three_nos(ON).values_list("pk", flat=True))
    for key, pk in made.items():
        arrangement, unit, body = key
        managed = ARRANGEMENTS[arrangement][1]
        has_unit = UNITS[unit][1]
        has_body = BODIES[body][3]
        row = rows[pk]
        assert (row.managed, row.has_competent_unit, row.has_self_body) == (managed, has_unit, has_body), key
        assert row.three_nos == (not managed and not has_unit and not has_body), key
        assert (pk in unmanaged) == (not managed), key
        assert (pk in three_nos) == (not managed and not has_unit and not has_body), key
    assert len(three_nos) == 5 * 2 * 6  # unmanaged kinds × blank units × bodies that do not count


def test_the_date_moves_the_answer(territory):
    neighbourhood = NeighbourhoodFactory(community=territory.c11, name="变迁里")
    ManagementArrangement.objects.create(
        neighbourhood=neighbourhood, mode="professional", provider=provider_of(neighbourhood), started_on=ON, ended_on=ON + 30 * DAY
    )
    Body.objects.create(community=territory.c11, neighbourhood=neighbourhood, kind="owners_committee", name="业委会", term_start=ON + 60 * DAY)
    qs = Neighbourhood.objects.filter(pk=neighbourhood.pk)
    assert qs.three_nos(ON - DAY).exists()  # before the arrangement: nothing at all
    assert not qs.unmanaged(ON).exists() and not qs.unmanaged(ON + 30 * DAY).exists()
    assert qs.three_nos(ON + 31 * DAY).exists()  # the arrangement ended, no committee yet
    assert qs.unmanaged(ON + 60 * DAY).exists() and not qs.three_nos(ON + 60 * DAY).exists()


def test_the_default_date_is_today(territory):
    neighbourhood = NeighbourhoodFactory(community=territory.c11, name="今日里")
    qs = Neighbourhood.objects.filter(pk=neighbourhood.pk)
    assert qs.unmanaged().exists() and qs.three_nos().exists()
    ManagementArrangement.objects.create(
        neighbourhood=neighbourhood, mode="fallback", started_on=datetime.date(2020, 1, 1)
    )
    assert not qs.unmanaged().exists() and not qs.three_nos().exists()
    # a body without a term start counts from the day it was registered: today
    other = NeighbourhoodFactory(community=territory.c11, name="自管里")
    Body.objects.create(community=territory.c11, neighbourhood=other, kind="self_management", name="自管委")
    assert Neighbourhood.objects.filter(pk=other.pk).three_nos(ON).exists()
    assert not Neighbourhood.objects.filter(pk=other.pk).three_nos().exists()


@pytest.mark.parametrize("chained", ["filter_first", "filter_after"])
def test_it_chains_with_other_filters(territory, chained):
    NeighbourhoodFactory(community=territory.c12, name="别处里")
    qs = Neighbourhood.objects.all()
    if chained == "filter_first":
        names = set(qs.filter(community=territory.c11).unmanaged(ON).values_list("name", flat=True))
    else:
        names = set(qs.unmanaged(ON).filter(community=territory.c11).values_list("name", flat=True))
    assert names == {"新华里"}
