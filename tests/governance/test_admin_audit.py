"""The census admin pages of the territory write through governance's territory services: each
admin POST leaves exactly the audit rows of what it changed (the page's row, its inlines' rows, each
row of a bulk delete), and a write outside the actor's territory is refused and leaves nothing."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.models import AuditEntry, Building, Neighbourhood, Stairwell
from governance.services import territory_record_delete, territory_record_save
from tests.admin_forms import form_data


def page_data(client, url):
    """The fields a browser would POST from the change form at `url`, unchanged."""
    page = client.get(url)
    assert page.status_code == 200
    return form_data(page)


def audit_rows():
    return set(AuditEntry.objects.values_list("actor__username", "action", "target_type", "target_id", "summary"))


def delete_selected(client, model_url, ids):
    return client.post(
        reverse(f"admin:{model_url}_changelist"),
        {"action": "delete_selected", "_selected_action": [str(pk) for pk in ids], "post": "yes"},
    )


def test_building_page_audits_the_building_and_each_stairwell_written(client, territory, users):
    building = territory.n111.buildings.get()
    stairwell = building.stairwells.get()
    url = reverse("admin:governance_building_change", args=[building.pk])
    client.force_login(users.community)
    data = page_data(client, url)
    data["name"] = ["9栋"]
    data["stairwells-0-floors"] = ["7"]
    data["stairwells-TOTAL_FORMS"] = ["2"]
    data.update({"stairwells-1-building": [str(building.pk)], "stairwells-1-name": ["2单元"]})

    response = client.post(url, data)

    assert response.status_code == 302
    added = Stairwell.objects.get(building=building, name="2单元")
    assert audit_rows() == {
        ("community11", "change", "governance.building", str(building.pk), "name"),
        ("community11", "change", "governance.stairwell", str(stairwell.pk), "floors"),
        ("community11", "create", "governance.stairwell", str(added.pk), "2单元"),
    }
    stairwell.refresh_from_db()
    assert stairwell.floors == 7 and Building.objects.get(pk=building.pk).name == "9栋"


def test_an_unchanged_page_writes_no_audit_row(client, territory, users):
    url = reverse("admin:governance_building_change", args=[territory.n111.buildings.get().pk])
    client.force_login(users.community)
    assert client.post(url, page_data(client, url)).status_code == 302
    assert audit_rows() == set()


def test_neighbourhood_admission_still_goes_through_its_service(client, territory, users):
    neighbourhood = territory.n111
    url = reverse("admin:governance_neighbourhood_change", args=[neighbourhood.pk])
    client.force_login(users.street)
    data = page_data(client, url)
    data.update({"built_year": ["2006"], "admission_reason": ["连片改造"]})

    assert client.post(url, data).status_code == 302

    neighbourhood.refresh_from_db()
    assert neighbourhood.admission_reason == "连片改造" and neighbourhood.admitted_by == users.street
    assert audit_rows() == {
        ("street1", "change", "governance.neighbourhood", str(neighbourhood.pk), "built_year"),
        ("street1", "neighbourhood_admit", "governance.neighbourhood", str(neighbourhood.pk), "连片改造"),
    }


def test_a_neighbourhood_added_on_its_community_page_is_audited(client, territory, users):
    url = reverse("admin:governance_community_change", args=[territory.c11.pk])
    client.force_login(users.community)
    data = page_data(client, url)
    total = int(data["neighbourhoods-TOTAL_FORMS"][0])
    data["neighbourhoods-TOTAL_FORMS"] = [str(total + 1)]
    data.update({f"neighbourhoods-{total}-name": ["新建里"], f"neighbourhoods-{total}-built_year": ["1988"]})

    assert client.post(url, data).status_code == 302

    added = Neighbourhood.objects.get(name="新建里", community=territory.c11)
    assert audit_rows() == {("community11", "create", "governance.neighbourhood", str(added.pk), "新建里")}


def test_delete_page_audits_the_row(client, territory, users):
    building = territory.n121.buildings.get()
    client.force_login(users.street)
    response = client.post(reverse("admin:governance_building_delete", args=[building.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Building.objects.filter(pk=building.pk).exists()
    assert audit_rows() == {("street1", "delete", "governance.building", str(building.pk), "1栋")}


def test_bulk_delete_audits_each_row(client, territory, users):
    ids = [territory.n111.buildings.get().pk, territory.n121.buildings.get().pk]
    client.force_login(users.street)
    assert delete_selected(client, "governance_building", ids).status_code == 302
    assert not Building.objects.filter(pk__in=ids).exists()
    assert audit_rows() == {("street1", "delete", "governance.building", str(pk), "1栋") for pk in ids}


def test_bulk_delete_leaves_what_lies_outside_the_territory(client, territory, users):
    inside, outside = territory.n111.buildings.get(), territory.n121.buildings.get()
    client.force_login(users.community)
    delete_selected(client, "governance_building", [inside.pk, outside.pk])
    assert Building.objects.filter(pk=outside.pk).exists()
    assert audit_rows() == {("community11", "delete", "governance.building", str(inside.pk), "1栋")}


@pytest.mark.parametrize("role", ["community", "official"])
def test_writes_outside_the_territory_are_refused_and_leave_nothing(client, territory, users, role):
    """Outside the community: 404 for the change and the delete; the official (read-only): 403."""
    building = territory.n121.buildings.get()
    change = reverse("admin:governance_building_change", args=[building.pk])
    client.force_login(users.superuser)
    data = page_data(client, change)
    data["name"] = ["9栋"]
    client.force_login(getattr(users, role))
    expected = 404 if role == "community" else 403
    assert client.post(change, data).status_code == expected
    delete = reverse("admin:governance_building_delete", args=[building.pk])
    assert client.post(delete, {"post": "yes"}).status_code == expected
    building.refresh_from_db()
    assert building.name == "1栋" and audit_rows() == set()


def test_the_service_refuses_moving_a_row_out_of_the_territory(territory, users):
    building = territory.n111.buildings.get()
    building.neighbourhood, building.name = territory.n121, "9栋"  # 东风里: not the community's
    with pytest.raises(PermissionDenied):
        territory_record_save(instance=building, actor=users.community)
    building.refresh_from_db()
    assert building.neighbourhood_id == territory.n111.pk and audit_rows() == set()


def test_the_service_refuses_creating_or_deleting_outside_the_territory(territory, users):
    with pytest.raises(PermissionDenied):
        territory_record_save(instance=Building(neighbourhood=territory.n121, name="9栋"), actor=users.community)
    with pytest.raises(PermissionDenied):
        territory_record_delete(instance=territory.n121.buildings.get(), actor=users.community)
    assert not Building.objects.filter(name="9栋").exists()
    assert territory.n121.buildings.exists() and audit_rows() == set()


def test_the_service_runs_the_model_checks(territory, users):
    with pytest.raises(ValidationError):
        territory_record_save(instance=Building(neighbourhood=territory.n111, name="1栋"), actor=users.community)
    assert audit_rows() == set()
