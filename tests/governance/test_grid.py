"""Grid roles (issue 13, item 3): the five heads and grid workers, what they cover, scoping per
role, and the public contact card (name and role, never the phone)."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.grid import GridRole
from governance.models import AuditEntry, Building, Stairwell
from governance.scoping import scope
from governance.services_grid import grid_role_save
from tests.scopes import NEIGHBOURHOODS, VISIBLE, WRITERS, admin_list_text, signed_in

PHONE = "13912345678"
DAY = datetime.timedelta(days=1)


def _role(neighbourhood, **values):
    return GridRole(neighbourhood=neighbourhood, **{"kind": "building_head", "name": "李楼长", "phone": PHONE, **values})


def test_a_head_covers_buildings_and_stairwells_of_its_own_neighbourhood(territory, users):
    building = Building.objects.get(neighbourhood=territory.n111)
    stairwell = Stairwell.objects.get(building=building)
    role = grid_role_save(role=_role(territory.n111), buildings=[building], stairwells=[stairwell], actor=users.community)
    assert list(role.buildings.all()) == [building] and list(role.stairwells.all()) == [stairwell]
    other_building = Building.objects.get(neighbourhood=territory.n121)
    other_stairwell = Stairwell.objects.get(building=other_building)
    with pytest.raises(ValidationError) as refused:
        grid_role_save(
            role=GridRole.objects.get(pk=role.pk), buildings=[other_building], stairwells=[other_stairwell], actor=users.street
        )
    assert set(refused.value.message_dict) == {"buildings", "stairwells"}
    assert list(role.buildings.all()) == [building]


def test_dates_are_ordered_and_current_means_held_today(territory, users):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        grid_role_save(role=_role(territory.n111, started_on=today, ended_on=today - DAY), actor=users.community)
    assert "ended_on" in refused.value.message_dict
    grid_role_save(role=_role(territory.n111, name="现任"), actor=users.community)
    grid_role_save(role=_role(territory.n111, name="卸任", ended_on=today - DAY), actor=users.community)
    grid_role_save(role=_role(territory.n111, name="未上任", started_on=today + DAY), actor=users.community)
    grid_role_save(role=_role(territory.n111, name="今天卸任", ended_on=today), actor=users.community)
    assert set(GridRole.objects.current().values_list("name", flat=True)) == {"现任", "今天卸任"}


def test_no_phone_in_any_audit_row(territory, users):
    role = grid_role_save(role=_role(territory.n111), actor=users.community)
    role.phone = "13700001111"
    grid_role_save(role=role, actor=users.community)
    dumped = json.dumps(list(AuditEntry.objects.values("summary", "details")), ensure_ascii=False)
    assert PHONE not in dumped and "13700001111" not in dumped and "phone" in dumped


# ---- scoping: each role × inside/outside × list, detail, change, API --------------------------------

@pytest.fixture
def rows(territory, users, city):
    return {
        key: grid_role_save(role=_role(getattr(territory, key), name=f"楼长{key}"), actor=users.superuser)
        for key in NEIGHBOURHOODS
    }


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_sees_its_territory_and_only_staff_of_it_write(role, rows, users, client):
    actor = getattr(users, role)
    assert set(scope(GridRole.objects.all(), actor).values_list("name", flat=True)) == {f"楼长{k}" for k in VISIBLE[role]}
    written = set(scope(GridRole.objects.all(), actor, write=True).values_list("name", flat=True))
    assert written == ({f"楼长{k}" for k in VISIBLE[role]} if role in WRITERS else set())
    api = signed_in(client, actor)
    text = admin_list_text(client, "governance_gridrole", role)
    if text is not None:
        assert all((f"楼长{k}" in text) == (k in VISIBLE[role]) for k in rows), role
        names = {row["name"] for row in api.get("/api/v1/grid-roles/").json()["results"]}
        assert names == {f"楼长{k}" for k in VISIBLE[role]}
    for key, row in rows.items():
        inside = key in VISIBLE[role]
        url = reverse("admin:governance_gridrole_change", args=[row.pk])
        assert client.get(url).status_code == (200 if inside else 404), (role, key)
        post = client.post(url, {"neighbourhood": row.neighbourhood_id, "kind": "lane_head", "name": "改名", "elected_by": "residents", "order": 0})
        if inside and role in WRITERS:
            assert post.status_code == 302, (role, key)
        else:
            assert post.status_code == (403 if inside else 404), (role, key)
        detail = api.get(f"/api/v1/grid-roles/{row.pk}/")
        assert detail.status_code == (200 if inside else 403 if role == "nobody" else 404), (role, key)
        if inside:
            assert "phone" not in detail.json() and PHONE not in detail.content.decode()
        assert api.patch(f"/api/v1/grid-roles/{row.pk}/", {"name": "x"}, format="json").status_code in (403, 404, 405)
    changed = set(GridRole.objects.filter(name="改名").values_list("neighbourhood__name", flat=True))
    assert changed == ({getattr(rows[k].neighbourhood, "name") for k in VISIBLE[role]} if role in WRITERS else set())


def test_outside_writes_are_refused_by_the_service(rows, territory, users):
    outside = GridRole.objects.get(pk=rows["n121"].pk)
    outside.name = "越权"
    with pytest.raises(PermissionDenied):
        grid_role_save(role=outside, actor=users.community)
    for role in ("official", "city"):
        with pytest.raises(PermissionDenied):
            grid_role_save(role=_role(territory.n111, name="越权"), actor=getattr(users, role))
    assert not GridRole.objects.filter(name="越权").exists()


# ---- the public page: a contact card, name and role only -------------------------------------------


def test_the_public_page_shows_name_and_role_never_the_phone(territory, users, client):
    today = timezone.localdate()
    grid_role_save(role=_role(territory.n111, kind="courtyard_head", name="张院长"), actor=users.community)
    grid_role_save(role=_role(territory.n111, kind="grid_worker", name="马网格", phone="13800003005"), actor=users.community)
    grid_role_save(role=_role(territory.n111, kind="area_head", name="旧片长", ended_on=today - DAY), actor=users.community)
    grid_role_save(role=_role(territory.n121, kind="lane_head", name="别处巷长"), actor=users.street)
    page = client.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    assert "张院长" in page and "院长" in page and "马网格" in page and "网格员" in page
    assert "旧片长" not in page and "别处巷长" not in page
    assert PHONE not in page and "13800003005" not in page
    # A neighbourhood with no grid role shows no card.
    other = client.get(reverse("projects:neighbourhood", args=[territory.n211.pk])).content.decode()
    assert 'id="grid-contacts"' not in other
