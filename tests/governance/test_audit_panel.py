"""The admin index's side panel lists the latest audit rows the user may read (the services write
them; Django's LogEntry stays empty), each linking to its object's admin page; the audit list is
scoped the same way."""

import re

import pytest
from django.urls import reverse

from governance.choices import RoleKind
from governance.models import AuditEntry, Building
from governance.permissions import audit_entries_visible_to
from governance.selectors import recent_audit_entries
from governance.services import audit, territory_record_delete, territory_record_save
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def rename(building, name, actor):
    building.name = name
    territory_record_save(instance=building, actor=actor)
    return building


@pytest.fixture
def writes(territory, users):
    """Writes in C11 (by community and street staff), in S2, in the other district, and on a
    user account (not territorial)."""
    other_street = staff_user(RoleKind.STREET_STAFF, territory.s2, "street2")
    other_district = staff_user(RoleKind.STREET_STAFF, territory.ne.community.street, "faraway")
    return {
        "c11_by_community": rename(territory.n111.buildings.get(), "新华里1号楼", users.community),
        "c11_by_street": rename(
            Building.objects.create(neighbourhood=territory.n111, name="2栋", floors=6), "新华里2号楼", users.street
        ),
        "c12": rename(territory.n121.buildings.get(), "东风里1号楼", users.street),
        "s2": rename(territory.n211.buildings.get(), "北门里1号楼", other_street),
        "elsewhere": rename(territory.ne.buildings.get(), "远郊里1号楼", other_district),
        "account": audit(actor=users.superuser, action="role_grant", target=users.street, summary="授予街道角色"),
    }


def panel_texts(client, user):
    client.force_login(user)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    module = re.search(r'<div class="module" id="recent-actions-module">(.*?)</div>', html, re.S)
    assert module, "no panel on the index"
    return module.group(1)


def test_community_staff_see_their_territory_with_links(client, users, territory, writes):
    panel = panel_texts(client, users.community)
    building = writes["c11_by_street"]
    assert f'<a href="{reverse("admin:governance_building_change", args=[building.pk])}">' in panel
    link = reverse("admin:governance_building_change", args=[building.pk])
    assert f'修改楼栋\n      <a href="{link}">新华里2号楼</a>' in panel
    assert "新华里1号楼" in panel and "street1" in panel and "community11" in panel
    for outside in ["东风里1号楼", "北门里1号楼", "远郊里1号楼", "授予街道角色"]:
        assert outside not in panel
    assert panel.count("<li>") == 2


def test_each_role_reads_its_own_territory(users, territory, writes):
    def summaries(user):
        return {row.target_id for row in audit_entries_visible_to(user)}

    ids = {key: str(obj.pk) for key, obj in writes.items() if key != "account"}
    assert summaries(users.community) == {ids["c11_by_community"], ids["c11_by_street"]}
    assert summaries(users.street) == {ids["c11_by_community"], ids["c11_by_street"], ids["c12"]}
    assert summaries(users.official) == {ids["c11_by_community"], ids["c11_by_street"], ids["c12"], ids["s2"]}
    assert AuditEntry.objects.filter(pk__in=audit_entries_visible_to(users.superuser)).count() == 6
    assert not audit_entries_visible_to(users.nobody).exists()


def test_own_deletions_stay_listed_without_a_link(client, users, territory):
    building = Building.objects.create(neighbourhood=territory.n111, name="临时楼", floors=2)
    territory_record_save(instance=building, actor=users.community)
    pk = building.pk
    territory_record_delete(instance=building, actor=users.community)
    rows = recent_audit_entries(users.community)
    deleted = [row for row in rows if row["entry"].action == "delete"]
    assert len(deleted) == 1 and deleted[0]["url"] is None and deleted[0]["entry"].target_id == str(pk)
    assert deleted[0]["verb"] == "删除"
    # the street staff did not delete it and cannot see the row of a building that is gone
    assert not [row for row in recent_audit_entries(users.street) if row["entry"].action == "delete"]


def test_panel_is_one_query_and_newest_first(users, territory, writes, django_assert_num_queries):
    users.street.staff_roles.all()  # territory_of caches the roles on the user object
    from governance.scoping import territory_of

    territory_of(users.street)
    with django_assert_num_queries(2):  # the rows, then the buildings they name
        rows = recent_audit_entries(users.street, limit=2)
    newest = [str(writes["c12"].pk), str(writes["c11_by_street"].pk)]
    assert [row["entry"].target_id for row in rows] == newest


def test_audit_list_is_scoped_and_read_only(client, users, writes):
    client.force_login(users.community)
    url = reverse("admin:governance_auditentry_changelist")
    listed = client.get(url).context["cl"].result_list
    mine = {str(writes["c11_by_community"].pk), str(writes["c11_by_street"].pk)}
    assert {row.target_id for row in listed} == mine
    outside = AuditEntry.objects.get(summary="授予街道角色")
    outside_url = reverse("admin:governance_auditentry_change", args=[outside.pk])
    assert client.get(outside_url).status_code in (302, 404)
    client.force_login(users.superuser)
    assert len(client.get(url).context["cl"].result_list) == 6
    assert client.post(
        url, {"action": "delete_selected", "_selected_action": [outside.pk], "post": "yes"}
    ).status_code in (200, 302)
    assert AuditEntry.objects.filter(pk=outside.pk).exists()
    client.force_login(users.nobody)
    assert client.get(url).status_code == 403  # a user without a role reads no audit row
