"""The national works menu shipped as data, and districts adding and retiring their own items."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.models import AuditEntry
from projects.choices import WorkClass
from projects.models import CatalogueItem
from projects.permissions import catalogue_visible_to
from projects.services import catalogue_item_retire, catalogue_item_save

from .factories import CatalogueItemFactory

NATIONAL = {
    WorkClass.BASIC: {
        "water_supply",
        "drainage",
        "power_supply",
        "weak_current",
        "roads",
        "gas",
        "heating",
        "fire_safety",
        "security",
        "refuse_sorting",
        "telecom",
        "overhead_wires",
        "roofs",
        "outer_walls",
        "stairs",
    },
    WorkClass.IMPROVEMENT: {
        "illegal_structures",
        "greening",
        "lighting",
        "age_friendly",
        "barrier_free",
        "parking",
        "ev_chargers",
        "ebike_chargers",
        "parcel_lockers",
        "culture_fitness",
        "property_rooms",
        "energy_retrofit",
        "elevator_retrofit",
    },
    WorkClass.ENHANCEMENT: {
        "community_service_centre",
        "clinic",
        "kindergarten",
        "perimeter_sensing",
        "elderly_care",
        "childcare",
        "canteen",
        "housekeeping",
        "market",
        "convenience_store",
        "delivery_station",
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
    own = CatalogueItemFactory(code="d_rain_garden", name="雨水花园", district=territory.district)
    foreign = CatalogueItemFactory(code="e_item", name="外区项目", district=territory.other_district)
    seen = set(catalogue_visible_to(users.community))
    assert own in seen and foreign not in seen
    assert CatalogueItem.objects.get(code="roads") in seen
    assert not catalogue_visible_to(users.nobody).exists()


@pytest.mark.django_db
def test_a_district_administrator_adds_and_retires_district_items_not_national_ones(client, territory, users):
    """Under today's roles only superusers manage a whole district, so they keep its menu items.
    District items are checked through the scoping function: a role that manages a district would
    pass the same checks."""
    data = {
        "code": "d_pergola",
        "name": "廊架",
        "work_class": "improvement",
        "unit": "set",
        "reference_unit_cost": "12000.00",
        "description": "",
        "sort_order": "0",
    }
    url = reverse("admin:projects_catalogueitem_add")
    client.force_login(users.street)
    assert client.get(url).status_code == 403
    with pytest.raises(ValidationError):
        catalogue_item_save(
            item=CatalogueItem(**{**data, "district": territory.district}), actor=users.street
        )

    client.force_login(users.superuser)
    response = client.post(url, {**data, "district": territory.district.pk})
    assert response.status_code == 302
    item = CatalogueItem.objects.get(code="d_pergola")
    assert AuditEntry.objects.filter(action="catalogue_item_add", target_id=str(item.pk)).exists()

    changelist = reverse("admin:projects_catalogueitem_changelist")
    client.force_login(users.street)
    client.post(changelist, {"action": "retire", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.active is True  # the street does not manage the district's menu
    client.force_login(users.superuser)
    client.post(changelist, {"action": "retire", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.active is False
    assert item in catalogue_visible_to(users.community)  # retired items stay readable
    with pytest.raises(PermissionDenied):
        catalogue_item_retire(item=CatalogueItem.objects.get(code="roads"), actor=users.street)


@pytest.mark.django_db
def test_staff_cannot_change_a_national_item(client, users):
    client.force_login(users.street)
    roads = CatalogueItem.objects.get(code="roads")
    change = reverse("admin:projects_catalogueitem_change", args=[roads.pk])
    assert client.get(change).status_code == 200  # read-only view
    response = client.post(
        change,
        {
            "code": "roads",
            "name": "x",
            "work_class": "basic",
            "unit": "m2",
            "reference_unit_cost": "1",
            "sort_order": "0",
        },
    )
    assert response.status_code == 403
    roads.refresh_from_db()
    assert roads.name == "小区道路修缮"


@pytest.mark.django_db
def test_district_official_reads_the_menu_but_cannot_add(client, users):
    client.force_login(users.official)
    assert client.get(reverse("admin:projects_catalogueitem_changelist")).status_code == 200
    assert client.get(reverse("admin:projects_catalogueitem_add")).status_code == 403


@pytest.mark.django_db
def test_the_menu_rule_in_sql_offers_what_the_queryset_offers(territory):
    """offered_in_sql (the resident submit's one-statement check) is CatalogueItemQuerySet.offered_in
    written as SQL: for each district, over national, own, other districts' and retired items, both
    select the same rows."""
    from django.db import connection

    from projects.querysets import offered_in_sql

    for district, code in ((territory.district, "d_own"), (territory.other_district, "e_own")):
        CatalogueItem.objects.create(
            code=code, name=code, work_class=WorkClass.BASIC, unit="m", reference_unit_cost=Decimal("1"),
            district=district,
        )
    CatalogueItem.objects.filter(code__in=["roads", "e_own"]).update(active=False)
    qn = connection.ops.quote_name
    for district in (territory.district, territory.other_district):
        condition, params = offered_in_sql("%s")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT ci.{qn('id')} FROM {qn(CatalogueItem._meta.db_table)} ci WHERE {condition.format(item='ci')}",
                [district.pk, *params],
            )
            in_sql = {row[0] for row in cursor.fetchall()}
        offered = set(CatalogueItem.objects.offered_in(district).values_list("pk", flat=True))
        assert in_sql == offered and len(offered) > 1
    assert CatalogueItem.objects.get(code="d_own").pk in offered_in_ids(territory.district)
    assert CatalogueItem.objects.get(code="roads").pk not in offered_in_ids(territory.district)


def offered_in_ids(district):
    return set(CatalogueItem.objects.offered_in(district).values_list("pk", flat=True))
