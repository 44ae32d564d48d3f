"""The household's admin page: the owner's ID number is written through a write-only field,
checked, stored as its keyed hash only, never shown back; blank keeps the stored hash."""
import pytest
from django.urls import reverse

from residents.identity import id_number_hash
from tests.residents.test_census_import import valid_id


def _post(client, household, **changes):
    data = {
        "neighbourhood": household.neighbourhood_id,
        "building": household.building_id,
        "stairwell": household.stairwell_id or "",
        "room": household.room,
        "floor": household.floor or "",
        "floor_area": household.floor_area,
        "owner_name": household.owner_name,
        "phone": household.phone,
        "owner_id_number": "",
        **changes,
    }
    return client.post(reverse("admin:residents_household_change", args=[household.pk]), data)


@pytest.fixture
def household(territory):
    return territory.n111.households.order_by("pk").first()


def test_an_id_number_typed_in_is_stored_as_its_hash_only(client, users, household):
    client.force_login(users.community)
    number = valid_id(7)
    response = _post(client, household, owner_id_number=number.lower().replace("x", "x "))
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.owner_id_hash == id_number_hash(number)
    page = client.get(reverse("admin:residents_household_change", args=[household.pk])).content.decode()
    assert number not in page and household.owner_id_hash not in page
    assert 'name="owner_id_number"' in page


def test_a_blank_id_number_keeps_the_stored_hash(client, users, household):
    before = household.owner_id_hash
    client.force_login(users.community)
    assert _post(client, household, owner_name="李四").status_code == 302
    household.refresh_from_db()
    assert household.owner_name == "李四" and household.owner_id_hash == before


WRONG_CHECK = valid_id(7)[:17] + ("0" if valid_id(7)[17] != "0" else "1")


@pytest.mark.parametrize("bad", [WRONG_CHECK, "51010419800101"])
def test_a_bad_id_number_is_refused_and_nothing_changes(client, users, household, bad):
    before = household.owner_id_hash
    client.force_login(users.community)
    response = _post(client, household, owner_id_number=bad, owner_name="李四")
    assert response.status_code == 200
    assert "owner_id_number" in response.context["adminform"].form.errors
    household.refresh_from_db()
    assert household.owner_id_hash == before and household.owner_name != "李四"


@pytest.mark.django_db
def test_the_building_page_runs_the_same_queries_for_more_households(client, territory, users):
    """The households inline offers the building's stairwells, read once for every row, and the
    permission checks ask the database once per object: no query per household."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from governance.models import Stairwell
    from tests.factories import HouseholdFactory, StairwellFactory

    client.force_login(users.community)
    building = territory.n111.buildings.get()
    other_building = StairwellFactory(building__neighbourhood=territory.n111, building__name="9栋")
    url = reverse("admin:governance_building_change", args=[building.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    stairwell = Stairwell.objects.filter(building=building).get()
    for i in range(8):
        HouseholdFactory(stairwell=stairwell, room=f"90{i}", floor=9)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) <= len(few), [q["sql"][:120] for q in many.captured_queries]
    assert page.count(f'<option value="{stairwell.pk}" selected>') >= 12  # 4 + 8 households
    assert f'value="{other_building.pk}"' not in page  # only this building's stairwells
