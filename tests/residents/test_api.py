"""The households API (/api/v1/households/): scoped like the admin for each role (404 outside the
territory), its filters, the phone only to staff who manage the household, and never the owner's ID
hash, the code's hash or its locator in any response, the schema included."""

import pytest
from rest_framework.test import APIClient

from governance.choices import RoleKind
from governance.models import StaffRole
from residents.models import Household
from residents.services import household_codes_issue
from tests.factories import HouseholdFactory, staff_user

URL = "/api/v1/households/"
SECRET_FIELDS = ("owner_id_hash", "access_code_hash", "access_code_locator")


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _ids(response):
    return sorted(row["id"] for row in _rows(response))


def _household_ids(*neighbourhoods):
    return sorted(Household.objects.filter(neighbourhood__in=neighbourhoods).values_list("pk", flat=True))


@pytest.fixture
def coded(territory, users):
    """Codes issued in 新华里 and 北门里, so hashes and locators exist to leak."""
    codes = []
    for neighbourhood in (territory.n111, territory.n211):
        codes += [issued.code for issued in household_codes_issue(neighbourhood=neighbourhood, actor=users.superuser)]
    return codes


@pytest.mark.django_db
def test_each_role_lists_exactly_its_territory(territory, users):
    t = territory
    assert _ids(_client(users.superuser).get(URL)) == _household_ids(t.n111, t.n121, t.n211, t.ne)
    assert _ids(_client(users.official).get(URL)) == _household_ids(t.n111, t.n121, t.n211)
    assert _ids(_client(users.street).get(URL)) == _household_ids(t.n111, t.n121)
    assert _ids(_client(users.community).get(URL)) == _household_ids(t.n111)
    assert _client(users.nobody).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


@pytest.mark.django_db
def test_outside_the_territory_a_household_is_not_found(territory, users):
    t = territory
    mine, same_street, other_street, other_district = (
        n.households.order_by("pk").first() for n in (t.n111, t.n121, t.n211, t.ne)
    )
    expected = {
        "superuser": {mine: 200, same_street: 200, other_street: 200, other_district: 200},
        "official": {mine: 200, same_street: 200, other_street: 200, other_district: 404},
        "street": {mine: 200, same_street: 200, other_street: 404, other_district: 404},
        "community": {mine: 200, same_street: 404, other_street: 404, other_district: 404},
    }
    for role, answers in expected.items():
        client = _client(getattr(users, role))
        for household, status in answers.items():
            response = client.get(f"{URL}{household.pk}/")
            assert response.status_code == status, (role, household.neighbourhood.name)
            if status == 200:
                assert response.json()["room"] == household.room
    assert _client(users.nobody).get(f"{URL}{mine.pk}/").status_code == 403


@pytest.mark.django_db
def test_the_phone_goes_only_to_staff_who_manage_the_household(territory, users):
    Household.objects.update(phone="13912345678")
    for role in ("superuser", "street", "community"):
        rows = _rows(_client(getattr(users, role)).get(URL))
        assert rows and {row["phone"] for row in rows} == {"13912345678"}, role
    official = _client(users.official)
    rows = _rows(official.get(URL))
    assert rows and {row["phone"] for row in rows} == {None}
    one = territory.n111.households.first()
    assert official.get(f"{URL}{one.pk}/").json()["phone"] is None
    assert "13912345678" not in official.get(URL).content.decode()


@pytest.mark.django_db
def test_a_reader_who_also_manages_a_community_sees_the_phone_of_that_community_only(territory, users):
    Household.objects.update(phone="13912345678")
    official = users.official
    StaffRole.objects.create(user=official, kind=RoleKind.COMMUNITY_STAFF, community=territory.c21)
    rows = _rows(_client(official).get(URL))
    phones = {row["id"]: row["phone"] for row in rows}
    assert set(phones) == set(_household_ids(territory.n111, territory.n121, territory.n211))
    for household_id, phone in phones.items():
        managed = household_id in _household_ids(territory.n211)
        assert phone == ("13912345678" if managed else None)


@pytest.mark.django_db
def test_no_response_carries_the_id_hash_or_the_code(territory, users, coded):
    secrets = {value for row in Household.objects.values(*SECRET_FIELDS) for value in row.values() if value}
    assert len(secrets) >= 16 + 8 + 8  # every ID hash, 8 code hashes and 8 locators
    secrets |= set(coded)
    queries = [
        {},
        {"has_access_code": "true"},
        {"has_access_code": "false"},
        {"has_owner_identity": "true"},
        {"neighbourhood": territory.n111.pk},
        {"ordering": "owner_id_hash"},  # no ordering by it either
    ]
    for role in ("superuser", "official", "street", "community"):
        client = _client(getattr(users, role))
        bodies = [client.get(URL, query).content.decode() for query in queries]
        bodies += [client.get(f"{URL}{pk}/").content.decode() for pk in _household_ids(territory.n111)]
        bodies.append(client.options(URL).content.decode())
        for body in bodies:
            for name in (*SECRET_FIELDS, "id_hash", "code_hash"):
                assert name not in body, (role, name)
            for value in secrets:
                assert value not in body, role
    schema = _client(users.superuser).get("/api/schema/").content.decode()
    assert "/api/v1/households/" in schema
    for name in (*SECRET_FIELDS, "id_hash", "code_hash"):
        assert name not in schema


@pytest.mark.django_db
def test_the_flags_say_what_is_on_record_without_the_values(territory, users, coded):
    client = _client(users.superuser)
    coded_ids = _household_ids(territory.n111, territory.n211)
    assert _ids(client.get(URL, {"has_access_code": "true"})) == coded_ids
    assert _ids(client.get(URL, {"has_access_code": "false"})) == _household_ids(territory.n121, territory.ne)
    Household.objects.filter(neighbourhood=territory.ne).update(owner_id_hash="")
    assert _ids(client.get(URL, {"has_owner_identity": "false"})) == _household_ids(territory.ne)
    row = client.get(f"{URL}{coded_ids[0]}/").json()
    assert row["has_access_code"] is True and row["has_owner_identity"] is True
    assert row["access_code_issued_at"] is not None


@pytest.mark.django_db
def test_filters_by_place_floor_and_room(territory, users):
    t = territory
    official = _client(users.official)
    assert _ids(official.get(URL, {"street": t.s1.pk})) == _household_ids(t.n111, t.n121)
    assert _ids(official.get(URL, {"community": t.c21.pk})) == _household_ids(t.n211)
    assert _ids(official.get(URL, {"district": t.district.pk})) == _household_ids(t.n111, t.n121, t.n211)
    assert _ids(official.get(URL, {"neighbourhood": t.n121.pk})) == _household_ids(t.n121)
    building = t.n211.buildings.get()
    stairwell = building.stairwells.get()
    assert _ids(official.get(URL, {"building": building.pk})) == _household_ids(t.n211)
    assert _ids(official.get(URL, {"stairwell": stairwell.pk})) == _household_ids(t.n211)
    second_floor = official.get(URL, {"neighbourhood": t.n111.pk, "floor": 2})
    assert sorted(row["room"] for row in _rows(second_floor)) == ["201", "202"]
    assert [row["room"] for row in _rows(official.get(URL, {"neighbourhood": t.n111.pk, "room": "102"}))] == ["102"]
    # A filter never widens the territory: another district's places give nothing.
    assert _ids(official.get(URL, {"neighbourhood": t.ne.pk})) == []
    assert _ids(official.get(URL, {"community": t.ce.pk})) == []
    community = _client(users.community)
    assert _ids(community.get(URL, {"street": t.s1.pk})) == _household_ids(t.n111)
    assert official.get(URL, {"floor": "two"}).status_code == 400


@pytest.mark.django_db
def test_the_endpoint_is_read_only_for_every_role(territory, users):
    household = territory.n111.households.first()
    before = Household.objects.values().get(pk=household.pk)
    for role in ("superuser", "street", "community"):
        client = _client(getattr(users, role))
        assert client.post(URL, {"room": "999"}, format="json").status_code == 405
        assert client.patch(f"{URL}{household.pk}/", {"phone": "1"}, format="json").status_code == 405
        assert client.delete(f"{URL}{household.pk}/").status_code == 405
    official = _client(users.official)
    assert official.patch(f"{URL}{household.pk}/", {"phone": "1"}, format="json").status_code == 403
    assert Household.objects.values().get(pk=household.pk) == before


@pytest.mark.django_db
def test_the_list_query_count_does_not_grow_with_rows(territory, users, django_assert_num_queries):
    stairwell = territory.n111.buildings.get().stairwells.get()
    HouseholdFactory.create_batch(30, stairwell=stairwell)
    user = staff_user(RoleKind.STREET_STAFF, territory.s1)
    client = _client(user)
    # roles, count, page: the territory is read once per request.
    with django_assert_num_queries(3):
        assert len(_rows(client.get(URL))) == 38
