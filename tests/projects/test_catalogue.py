"""The national works menu shipped as data, and districts adding and retiring their own items."""
from decimal import Decimal

import pytest
from django.urls import reverse

from governance.models import AuditEntry
from projects.choices import WorkClass
from projects.models import CatalogueItem
from projects.permissions import catalogue_visible_to

NATIONAL = {
    WorkClass.BASIC: {
        "water_supply", "drainage", "power_supply", "weak_current", "roads", "gas", "heating", "fire_safety",
        "security", "refuse_sorting", "telecom", "overhead_wires", "roofs", "outer_walls", "stairs",
    },
    WorkClass.IMPROVEMENT: {
        "illegal_structures", "greening", "lighting", "age_friendly", "barrier_free", "parking", "ev_chargers",
        "ebike_chargers", "parcel_lockers", "culture_fitness", "property_rooms", "energy_retrofit",
        "elevator_retrofit",
    },
    WorkClass.ENHANCEMENT: {
        "community_service_centre", "clinic", "kindergarten", "perimeter_sensing", "elderly_care", "childcare",
        "canteen", "housekeeping", "market", "convenience_store", "delivery_station",
    },
}


@pytest.mark.django_db
def test_the_national_menu_is_shipped_by_class():
    for work_class, codes in NATIONAL.items():
        shipped = set(
            CatalogueItem.objects.filter(district=None, work_class=work_class).values_list("code", flat=True)
        )
        assert shipped == codes, work_class
    assert not CatalogueItem.objects.filter(reference_unit_cost__lte=0).exists()
    assert CatalogueItem.objects.get(code="elevator_retrofit").unit == "unit"


@pytest.mark.django_db
def test_each_district_sees_the_national_menu_and_its_own_items(territory, users):
    own = CatalogueItem.objects.create(
        code="d_rain_garden", name="雨水花园", work_class=WorkClass.IMPROVEMENT, unit="m2",
        reference_unit_cost=Decimal("300"), district=territory.district,
    )
    foreign = CatalogueItem.objects.create(
        code="e_item", name="外区项目", work_class=WorkClass.BASIC, unit="m",
        reference_unit_cost=Decimal("1"), district=territory.other_district,
    )
    seen = set(catalogue_visible_to(users.community))
    assert own in seen and foreign not in seen
    assert CatalogueItem.objects.get(code="roads") in seen
    assert not catalogue_visible_to(users.nobody).exists()


@pytest.mark.django_db
def test_street_staff_add_and_retire_a_district_item_but_not_national_ones(client, territory, users):
    client.force_login(users.street)
    url = reverse("admin:projects_catalogueitem_add")
    data = {
        "code": "d_pergola", "name": "廊架", "work_class": "improvement", "unit": "set",
        "reference_unit_cost": "12000.00", "description": "", "sort_order": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "请选择增补该项目的区" in response.content.decode()
    response = client.post(url, {**data, "district": territory.other_district.pk})
    assert response.status_code == 200 and not CatalogueItem.objects.filter(code="d_pergola").exists()
    response = client.post(url, {**data, "district": territory.district.pk})
    assert response.status_code == 302
    item = CatalogueItem.objects.get(code="d_pergola")
    assert AuditEntry.objects.filter(action="catalogue_item_add", target_id=str(item.pk)).exists()

    changelist = reverse("admin:projects_catalogueitem_changelist")
    roads = CatalogueItem.objects.get(code="roads")
    client.post(changelist, {"action": "retire", "_selected_action": [item.pk, roads.pk]})
    item.refresh_from_db()
    roads.refresh_from_db()
    assert item.active is False
    assert roads.active is True  # national: superusers only
    change = reverse("admin:projects_catalogueitem_change", args=[roads.pk])
    assert client.post(change, {**data, "code": "roads", "name": "x"}).status_code == 403


@pytest.mark.django_db
def test_district_official_reads_the_menu_but_cannot_add(client, users):
    client.force_login(users.official)
    assert client.get(reverse("admin:projects_catalogueitem_changelist")).status_code == 200
    assert client.get(reverse("admin:projects_catalogueitem_add")).status_code == 403
