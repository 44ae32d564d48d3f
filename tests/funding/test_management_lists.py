"""The staff's management lists (issue 13, item 5): the unmanaged list per street and district,
its count at each month's end (失管清零 progress), the committees' formation rate per district as
the cases count it, and the page's scoping per role."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.management_lists import (
    district_totals,
    formation_rates,
    month_ends,
    percent,
    unmanaged_by_month,
    unmanaged_neighbourhoods,
)
from governance.bodies import Body
from governance.models import ManagementArrangement
from tests.factories import HouseholdFactory, NeighbourhoodFactory, StairwellFactory, provider_of

D = datetime.date
TODAY = D(2026, 6, 15)


def test_month_ends():
    assert month_ends(D(2026, 3, 10), 4) == [D(2025, 12, 31), D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 10)]
    assert month_ends(D(2024, 3, 1), 2) == [D(2024, 2, 29), D(2024, 3, 1)]


def test_percent():
    assert str(percent(1, 3)) == "33.3" and str(percent(2, 3)) == "66.7" and percent(1, 0) is None


def _arrangement(neighbourhood, started_on, ended_on=None, mode="professional"):
    return ManagementArrangement.objects.create(
        neighbourhood=neighbourhood,
        mode=mode,
        provider=provider_of(neighbourhood) if mode == "professional" else None,
        started_on=started_on,
        ended_on=ended_on,
    )


@pytest.fixture
def story(territory):
    """n111 managed from 2026-03-01 (unmanaged before); n121 managed until 2026-04-30, then a mode
    "none"; n211 never managed but with an original property unit; ne (another district) never."""
    _arrangement(territory.n111, D(2026, 3, 1))
    _arrangement(territory.n121, D(2025, 1, 1), D(2026, 4, 30))
    _arrangement(territory.n121, D(2026, 5, 1), mode="none")
    territory.n211.original_property_unit = "原机械厂"
    territory.n211.save()
    return territory


def _backdate():
    from governance.models import Neighbourhood

    Neighbourhood.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))


def test_the_count_at_each_month_end_per_street_and_district(story, users):
    _backdate()
    dates = month_ends(TODAY, 5)  # Feb … Jun 2026
    rows = {row.street: row for row in unmanaged_by_month(users.superuser, dates)}
    # 玉溪街道 holds n111 (managed from March) and n121 (unmanaged from May)
    assert rows["玉溪街道"].counts == [1, 0, 0, 1, 1]
    assert rows["桂湖街道"].counts == [1, 1, 1, 1, 1]
    assert rows["玉溪街道"].three_nos == 1 and rows["桂湖街道"].three_nos == 0  # n211 has its unit
    totals = {name: counts for name, counts, _three in district_totals(list(rows.values()))}
    assert totals["甜城区"] == [2, 1, 1, 2, 2] and totals["东兴区"] == [1, 1, 1, 1, 1]


def test_a_neighbourhood_counts_from_the_day_it_was_recorded(story, users):
    _backdate()
    NeighbourhoodFactory(community=story.c11, name="新录入里")  # recorded today, after TODAY's months
    rows = {row.street: row for row in unmanaged_by_month(users.superuser, month_ends(TODAY, 2))}
    assert rows["玉溪街道"].counts == [1, 1]  # n121 only
    rows = {row.street: row for row in unmanaged_by_month(users.superuser, [timezone.localdate()])}
    assert rows["玉溪街道"].counts == [2]  # n121 and the new one


def test_the_list_names_each_unmanaged_neighbourhood_with_its_last_arrangement(story, users):
    rows = {n.name: n for n in unmanaged_neighbourhoods(users.superuser, TODAY)}
    assert set(rows) == {"东风里", "北门里", "远郊里"}
    assert rows["东风里"].last_ended == D(2026, 4, 30) and rows["东风里"].three_nos
    assert rows["北门里"].last_ended is None and not rows["北门里"].three_nos


def test_the_lists_are_scoped(story, users):
    _backdate()
    dates = month_ends(TODAY, 1)
    assert {row.street for row in unmanaged_by_month(users.community, dates)} == {"玉溪街道"}
    assert [n.name for n in unmanaged_neighbourhoods(users.community, TODAY)] == []
    assert [n.name for n in unmanaged_neighbourhoods(users.street, TODAY)] == ["东风里"]
    assert {n.name for n in unmanaged_neighbourhoods(users.official, TODAY)} == {"东风里", "北门里"}
    assert unmanaged_by_month(users.nobody, dates) == []


def test_each_list_is_one_query(story, users, django_assert_num_queries):
    dates = month_ends(TODAY, 12)
    unmanaged_by_month(users.official, dates)  # the actor's roles are read once, then kept
    with django_assert_num_queries(1):
        unmanaged_by_month(users.official, dates)
    with django_assert_num_queries(1):
        list(unmanaged_neighbourhoods(users.official, TODAY))
    with django_assert_num_queries(1):
        formation_rates(users.official, TODAY)


# ---- the formation rate ---------------------------------------------------------------------------


def _households(neighbourhood, count):
    stairwell = StairwellFactory(building__neighbourhood=neighbourhood)
    for i in range(count):
        HouseholdFactory(stairwell=stairwell, room=f"9{i:02d}")


def test_the_formation_rate_of_large_and_renovating_neighbourhoods(territory, users):
    from tests.projects.factories import ProjectFactory

    district = territory.district
    district.committee_threshold = 6
    district.save()
    # The fixture gives each neighbourhood 4 households: n111 gets 2 more (6, at the threshold).
    _households(territory.n111, 2)
    big = NeighbourhoodFactory(community=territory.c12, name="大院")
    _households(big, 10)
    for neighbourhood, kind in ((territory.n111, "owners_committee"), (territory.n211, "property_committee")):
        Body.objects.create(community=neighbourhood.community, neighbourhood=neighbourhood, kind=kind, name=kind, term_start=D(2020, 1, 1))
    # A self-management committee is not a committee the rate counts.
    Body.objects.create(community=big.community, neighbourhood=big, kind="self_management", name="自管委", term_start=D(2020, 1, 1))
    ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121], stage="construction")
    ProjectFactory(lead_street=territory.s2, neighbourhoods=[territory.n211], stage="candidate")
    ProjectFactory(lead_street=territory.s1, neighbourhoods=[big], stage="cancelled")
    rows = {row.district: row for row in formation_rates(users.superuser, TODAY)}
    row = rows["甜城区"]
    assert (row.threshold, row.large, row.large_formed) == (6, 2, 1)  # n111 and 大院; n111 formed
    assert str(row.large_rate) == "50.0"
    assert (row.renovating, row.renovating_formed) == (2, 1)  # n111, n121 (n211 candidate, 大院 cancelled)
    assert str(row.renovating_rate) == "50.0"
    other = rows["东兴区"]
    assert other.large == 0 and other.large_rate is None and other.renovating_rate is None
    # The community's staff count only their community.
    mine = formation_rates(users.community, TODAY)
    assert [(r.district, r.large, r.renovating) for r in mine] == [("甜城区", 1, 1)]


# ---- the page: each role, read-only, 404/403 as elsewhere -----------------------------------------


@pytest.mark.parametrize("role", ["superuser", "official", "street", "community"])
def test_the_page_shows_each_role_its_territory(role, story, users, client):
    client.force_login(getattr(users, role))
    page = client.get(reverse("funding:management_lists"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "失管清零进度" in text and "组建率" in text
    assert ("远郊里" in text) == (role == "superuser")
    assert ("北门里" in text) == (role in ("superuser", "official"))


def test_the_page_refuses_anonymous_users_and_users_without_a_role(users, client):
    response = client.get(reverse("funding:management_lists"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    client.force_login(users.nobody)
    assert client.get(reverse("funding:management_lists")).status_code == 403


def test_the_months_are_bounded_naming_the_field(users, client):
    client.force_login(users.official)
    response = client.get(reverse("funding:management_lists") + "?months=99")
    assert response.status_code == 400 and "月数" in response.content.decode()
