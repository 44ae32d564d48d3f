"""governance.bulk: the demo seed's bulk writer (COPY on PostgreSQL, INSERTs elsewhere) fills the
columns it is not given as Django would, keeps empty strings and NULLs apart, and writes with the
ids it reserved."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from governance.bulk import copy_available, insert_rows, reserve_ids
from governance.models import AuditEntry, Building
from residents.models import Household
from tests.factories import NeighbourhoodFactory, StairwellFactory

pytestmark = pytest.mark.django_db


def test_rows_written_with_reserved_ids_and_defaults():
    hood = NeighbourhoodFactory()
    ids = reserve_ids(Building, 3)
    assert len(set(ids)) == 3
    count = insert_rows(
        Building,
        ("id", "neighbourhood_id", "name", "floors", "address"),
        [(ids[0], hood.pk, "1栋", 6, ""), (ids[1], hood.pk, "2栋", None, "幸福路1号"), (ids[2], hood.pk, 'a,"b"\n', 5, "")],
    )
    assert count == 3
    rows = {b.pk: b for b in Building.objects.filter(pk__in=ids)}
    assert rows[ids[0]].name == "1栋" and rows[ids[0]].address == "" and rows[ids[0]].has_elevator is False
    assert rows[ids[1]].floors is None and rows[ids[1]].address == "幸福路1号"
    assert rows[ids[2]].name == 'a,"b"\n'  # CSV quoting round-trips
    assert rows[ids[0]].built_year is None
    # The next reservation follows: no id is handed out twice.
    assert not set(reserve_ids(Building, 2)) & set(ids)
    assert connection.vendor != "postgresql" or copy_available()


def test_timestamps_json_and_decimals():
    stairwell = StairwellFactory()
    building = stairwell.building
    insert_rows(
        Household,
        ("neighbourhood_id", "building_id", "stairwell_id", "room", "floor", "floor_area"),
        [(building.neighbourhood_id, building.pk, stairwell.pk, "101", 1, Decimal("65.40"))],
    )
    household = Household.objects.get(stairwell=stairwell, room="101")
    assert household.floor_area == Decimal("65.40") and household.owner_name == "" and household.phone == ""
    assert household.access_code_locator is None and household.created_at is not None
    assert household.updated_at == household.created_at
    insert_rows(AuditEntry, ("action", "target_type", "target_id", "summary"), [("demo", "governance.x", "1", "")])
    entry = AuditEntry.objects.get(action="demo")
    assert entry.details == {} and entry.at is not None and entry.actor is None


def test_a_date_given_for_an_auto_now_add_field_is_kept():
    # Off PostgreSQL too, where bulk_create would stamp it with now (the city history's dates).
    past = timezone.make_aware(datetime.datetime(2023, 4, 5, 6, 7, 8))
    insert_rows(AuditEntry, ("action", "target_type", "target_id", "summary", "at"), [("dated", "governance.x", "1", "", past)])
    assert AuditEntry.objects.get(action="dated").at == past


def test_a_field_without_default_must_be_given():
    with pytest.raises(TypeError, match="name"):
        insert_rows(Building, ("floors",), [(5,)])
