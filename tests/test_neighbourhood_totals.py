"""The neighbourhoods' stored totals (buildings, households, floor area: governance.totals) equal
a recount from the raw rows after every kind of write that changes them: the census import (new
rows, corrected rows, rows moved), households saved and deleted by the service and through the
admin (their own page and their building's inline), buildings and stairwells added and deleted;
the project lists read them, and `manage.py recount_totals --check` finds a wrong one."""
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from governance.models import Building, Neighbourhood, Stairwell
from governance.services import (
    neighbourhood_totals_mismatches,
    recount_neighbourhood_totals,
    territory_record_delete,
    territory_record_save,
)
from projects.models import Project
from residents.models import Household
from residents.services import household_save
from tests.admin_forms import form_data, merged, why_not_saved
from tests.projects.factories import ProjectFactory
from tests.residents.test_census_import import good_rows, row, run

pytestmark = pytest.mark.django_db


def stored(neighbourhood):
    n = Neighbourhood.objects.get(pk=neighbourhood.pk)
    return n.building_count, n.household_count, n.floor_area_total


def assert_recount_equal():
    assert neighbourhood_totals_mismatches() == []


def test_the_fixture_starts_counted(territory):
    assert stored(territory.n111) == (1, 4, Decimal("302.00"))
    assert_recount_equal()


def test_census_import_new_rows_then_corrections_then_a_move(territory):
    run(good_rows(4))  # a new building 2栋 with four flats in 新华里
    assert stored(territory.n111) == (2, 8, Decimal("604.00"))
    assert_recount_equal()

    run([row(room="101", floor="1", floor_area="80.25"), row(neighbourhood="新里", room="101")])
    new = Neighbourhood.objects.get(name="新里")
    assert stored(territory.n111) == (2, 8, Decimal("608.75"))
    assert stored(new) == (1, 1, Decimal("75.50"))
    assert_recount_equal()

    run(good_rows(4))  # the same file again: only 101's area back to 75.50
    assert stored(territory.n111) == (2, 8, Decimal("604.00"))
    assert_recount_equal()


def test_a_refused_import_changes_no_total(territory):
    from residents.census import CensusImportError

    with pytest.raises(CensusImportError):
        run([*good_rows(2), row(room="201", floor_area="-1")])
    assert stored(territory.n111) == (1, 4, Decimal("302.00"))


def test_household_service_create_change_move_delete(territory, users):
    building = territory.n111.buildings.get()
    household = Household(building=building, stairwell=building.stairwells.get(), room="301", floor_area=Decimal("60.10"))
    household_save(household=household, actor=users.community)
    assert stored(territory.n111) == (1, 5, Decimal("362.10"))
    assert_recount_equal()

    household.floor_area = Decimal("70.10")
    household_save(household=household, actor=users.community)
    assert stored(territory.n111) == (1, 5, Decimal("372.10"))

    household.phone = "13900000000"  # no total changes
    household_save(household=household, actor=users.community)
    assert_recount_equal()

    other = Building.objects.create(neighbourhood=territory.n121, name="8栋")
    household.building, household.stairwell = other, None
    household_save(household=household, actor=users.street)  # 新华社区 → 东风社区, same street
    assert stored(territory.n111) == (1, 4, Decimal("302.00"))
    assert stored(territory.n121)[1:] == (5, Decimal("372.10"))
    recount_neighbourhood_totals([territory.n121.pk])  # the building above was made past the services
    assert_recount_equal()

    territory_record_delete(instance=household, actor=users.street)
    assert stored(territory.n121) == (2, 4, Decimal("302.00"))
    assert_recount_equal()


def test_building_and_stairwell_add_and_delete(territory, users):
    building = territory_record_save(instance=Building(neighbourhood=territory.n111, name="3栋"), actor=users.community)
    assert stored(territory.n111)[0] == 2
    stairwell = territory_record_save(instance=Stairwell(building=building, name="1单元"), actor=users.community)
    for room in ("101", "102"):
        household_save(
            household=Household(building=building, stairwell=stairwell, room=room, floor_area=Decimal("50")),
            actor=users.community,
        )
    assert stored(territory.n111) == (2, 6, Decimal("402.00"))

    territory_record_delete(instance=stairwell, actor=users.community)  # takes its two households
    assert stored(territory.n111) == (2, 4, Decimal("302.00"))
    assert_recount_equal()

    territory_record_delete(instance=territory.n111.buildings.get(name="1栋"), actor=users.community)
    assert stored(territory.n111) == (1, 0, Decimal("0"))
    assert_recount_equal()


def test_a_stale_neighbourhood_saved_keeps_the_stored_totals(territory, users):
    stale = Neighbourhood.objects.get(pk=territory.n111.pk)
    household_save(
        household=Household(building=territory.n111.buildings.get(), room="999", floor_area=Decimal("10")),
        actor=users.community,
    )
    stale.address = "新地址"
    territory_record_save(instance=stale, actor=users.community)
    assert stored(territory.n111) == (1, 5, Decimal("312.00"))
    assert_recount_equal()


def test_admin_household_add_change_delete(client, territory, users):
    client.force_login(users.community)
    building = territory.n111.buildings.get()
    add = reverse("admin:residents_household_add")
    data = merged(
        form_data(client.get(add)),
        {
            "neighbourhood": str(territory.n111.pk),
            "building": str(building.pk),
            "stairwell": "",
            "room": "501",
            "floor": "5",
            "floor_area": "88.88",
            "owner_name": "王五",
        },
    )
    response = client.post(add, data)
    assert response.status_code == 302, why_not_saved(response)
    assert stored(territory.n111) == (1, 5, Decimal("390.88"))

    household = Household.objects.get(room="501")
    change = reverse("admin:residents_household_change", args=[household.pk])
    response = client.post(change, merged(form_data(client.get(change)), {"floor_area": "8.88"}))
    assert response.status_code == 302, why_not_saved(response)
    assert stored(territory.n111) == (1, 5, Decimal("310.88"))

    delete = reverse("admin:residents_household_delete", args=[household.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert stored(territory.n111) == (1, 4, Decimal("302.00"))
    assert_recount_equal()


def test_admin_building_inline_households_and_bulk_delete(client, territory, users):
    client.force_login(users.community)
    building = territory.n111.buildings.get()
    change = reverse("admin:governance_building_change", args=[building.pk])
    data = form_data(client.get(change))
    prefix = "households"
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    first_row = next(pk for pk in Household.objects.filter(building=building).order_by("pk").values_list("pk", flat=True))
    rows_with_id = [k for k, v in data.items() if k.startswith(f"{prefix}-") and k.endswith("-id") and v == [str(first_row)]]
    values = {
        f"{prefix}-TOTAL_FORMS": str(total + 1),
        f"{prefix}-{total}-room": "601",
        f"{prefix}-{total}-floor": "6",
        f"{prefix}-{total}-floor_area": "40.00",
        rows_with_id[0].replace("-id", "-DELETE"): "on",
    }
    response = client.post(change, merged(data, values))
    assert response.status_code == 302, why_not_saved(response)
    assert stored(territory.n111) == (1, 4, Decimal("342.00") - Decimal("75.50"))
    assert_recount_equal()

    changelist = reverse("admin:residents_household_changelist")
    ids = [str(pk) for pk in Household.objects.filter(neighbourhood=territory.n111).values_list("pk", flat=True)[:2]]
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert stored(territory.n111)[1] == 2
    assert_recount_equal()


def test_project_coverage_reads_the_stored_totals(territory, users):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121])
    row = Project.objects.annotate_coverage().get(pk=project.pk)
    assert (row.building_count, row.household_count, row.floor_area_total) == (2, 8, Decimal("604.00"))
    Neighbourhood.objects.filter(pk=territory.n111.pk).update(household_count=0)  # stored, not counted
    row = Project.objects.annotate_coverage().get(pk=project.pk)
    assert row.household_count == 4


def test_recount_totals_command_check_and_repair(territory):
    Neighbourhood.objects.filter(pk=territory.n121.pk).update(floor_area_total=Decimal("1.00"))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("recount_totals", "--check", stdout=out)
    assert f"neighbourhood {territory.n121.pk}: floor_area_total stored 1.00, counted 302.00" in out.getvalue()
    call_command("recount_totals", stdout=io.StringIO())
    out = io.StringIO()
    call_command("recount_totals", "--check", stdout=out)
    assert "equal a recount" in out.getvalue()
    assert stored(territory.n121) == (1, 4, Decimal("302.00"))
