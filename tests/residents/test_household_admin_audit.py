"""Households written from the admin (their own page, their building's inline, the bulk delete)
go through residents.services.household_save / the territory services: exactly one audit row per
household written, naming the changed fields and never an ID number, its hash or a phone number;
outside the territory nothing is written."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.models import AuditEntry
from residents.identity import id_number_hash
from residents.models import Household
from residents.services import household_save
from tests.governance.test_admin_audit import audit_rows, delete_selected, page_data
from tests.residents.test_census_import import valid_id


def assert_no_personal_values_audited(*values):
    for entry in AuditEntry.objects.all():
        text = f"{entry.summary} {entry.details}"
        for value in values:
            assert value not in text


def test_household_page_change_audits_the_field_names_only(client, territory, users):
    household = territory.n111.households.order_by("pk").first()
    url = reverse("admin:residents_household_change", args=[household.pk])
    client.force_login(users.community)
    data = page_data(client, url)
    number = valid_id(3)
    data.update({"owner_id_number": [number], "phone": ["13912345678"]})

    assert client.post(url, data).status_code == 302

    household.refresh_from_db()
    assert household.owner_id_hash == id_number_hash(number) and household.phone == "13912345678"
    assert audit_rows() == {
        ("community11", "change", "residents.household", str(household.pk), "owner_id_hash, phone"),
    }
    assert_no_personal_values_audited(number, id_number_hash(number), "13912345678")


def test_household_added_on_its_page_is_audited_once(client, territory, users):
    building = territory.n111.buildings.get()
    client.force_login(users.street)
    number = valid_id(4)
    response = client.post(
        reverse("admin:residents_household_add"),
        {
            "neighbourhood": territory.n111.pk,
            "building": building.pk,
            "room": "301",
            "floor": "3",
            "floor_area": "60.25",
            "owner_name": "王五",
            "phone": "13700000000",
            "owner_id_number": number,
        },
    )
    assert response.status_code == 302
    added = Household.objects.get(building=building, room="301")
    assert added.owner_id_hash == id_number_hash(number)
    assert audit_rows() == {("street1", "create", "residents.household", str(added.pk), "301")}
    assert_no_personal_values_audited(number, added.owner_id_hash, "13700000000")


def test_building_page_inline_audits_each_household_written(client, territory, users):
    building = territory.n111.buildings.get()
    first, second = building.households.order_by("pk")[:2]
    url = reverse("admin:governance_building_change", args=[building.pk])
    client.force_login(users.community)
    data = page_data(client, url)
    forms = {data[f"households-{i}-id"][0]: i for i in range(int(data["households-TOTAL_FORMS"][0]))}
    data[f"households-{forms[str(first.pk)]}-floor_area"] = ["80.00"]
    data[f"households-{forms[str(second.pk)]}-DELETE"] = ["on"]
    new = len(forms)
    data["households-TOTAL_FORMS"] = [str(new + 1)]
    data.update(
        {
            f"households-{new}-building": [str(building.pk)],
            f"households-{new}-room": ["501"],
            f"households-{new}-floor": ["5"],
            f"households-{new}-floor_area": ["66.00"],
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    added = Household.objects.get(building=building, room="501")
    assert added.neighbourhood_id == territory.n111.pk  # the building's, from household_save
    assert not Household.objects.filter(pk=second.pk).exists()
    assert audit_rows() == {
        ("community11", "change", "residents.household", str(first.pk), "floor_area"),
        ("community11", "delete", "residents.household", str(second.pk), second.room),
        ("community11", "create", "residents.household", str(added.pk), "501"),
    }


def test_bulk_delete_of_households_audits_each(client, territory, users):
    ids = list(territory.n111.households.order_by("pk").values_list("pk", flat=True)[:2])
    ids.append(territory.n211.households.order_by("pk").first().pk)  # outside 玉溪街道: ignored
    client.force_login(users.street)
    assert delete_selected(client, "residents_household", ids).status_code == 302
    assert list(Household.objects.filter(pk__in=ids).values_list("pk", flat=True)) == ids[2:]
    assert {row[1:4] for row in audit_rows()} == {("delete", "residents.household", str(pk)) for pk in ids[:2]}


def test_household_outside_the_territory_is_404_and_writes_nothing(client, territory, users):
    household = territory.n121.households.order_by("pk").first()
    url = reverse("admin:residents_household_change", args=[household.pk])
    client.force_login(users.superuser)
    data = page_data(client, url)
    data["owner_name"] = ["李四"]
    client.force_login(users.community)
    assert client.post(url, data).status_code == 404
    building_url = reverse("admin:governance_building_change", args=[household.building_id])
    assert client.post(building_url, {}).status_code == 404
    household.refresh_from_db()
    assert household.owner_name != "李四" and audit_rows() == set()


def test_household_save_refuses_moving_a_household_out_of_the_territory(territory, users):
    household = territory.n111.households.order_by("pk").first()
    household.building, household.stairwell = territory.n121.buildings.get(), None
    household.room = "999"
    with pytest.raises(PermissionDenied):
        household_save(household=household, actor=users.community)
    household.refresh_from_db()
    assert household.neighbourhood_id == territory.n111.pk and audit_rows() == set()
