"""Self-governance bodies and the party members' ledger (issue 13, items 1 and 2): composition
rules refused with their message, the re-election listing (待换届), scoping per role, admin saves
per writing role, and no phone in any audit row."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.bodies import Body, BodyMember, CompositionRule, PartyMember, VanguardTeam
from governance.models import AuditEntry
from governance.scoping import scope
from governance.services import territory_record_save
from governance.services_bodies import body_save, vanguard_team_save

PHONE = "13912345678"


def _members(count, owners=None, phone=""):
    owners = count if owners is None else owners
    return [
        BodyMember(name=f"成员{i}", role="member", is_owner=i < owners, phone=phone, order=i)
        for i in range(count)
    ]


def _committee(territory, **extra):
    values = dict(community=territory.c11, neighbourhood=territory.n111, kind="owners_committee", name="业委会")
    values.update(extra)
    return Body(**values)


def _rule(territory, users, **values):
    return territory_record_save(
        instance=CompositionRule(district=territory.district, kind="owners_committee", **values),
        actor=users.superuser,
    )


# ---- composition rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule, count, owners, named",
    [
        ({"odd_members": True}, 4, 4, "成员人数须为单数"),
        ({"owners_at_least_half": True}, 5, 2, "业主成员不少于半数"),
        ({"min_members": 5}, 3, 3, "最少成员人数"),
        ({"max_members": 3}, 4, 4, "最多成员人数"),
    ],
)
def test_a_broken_rule_is_refused_naming_it_and_nothing_is_written(rule, count, owners, named, territory, users):
    _rule(territory, users, **rule)
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        body_save(body=_committee(territory), members=_members(count, owners), actor=users.community)
    assert any(named in text for text in refused.value.messages), refused.value.messages
    assert not Body.objects.exists() and not BodyMember.objects.exists()
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("count, owners", [(3, 2), (5, 3), (7, 7)])
def test_members_that_keep_every_rule_are_saved(count, owners, territory, users):
    _rule(territory, users, odd_members=True, owners_at_least_half=True, min_members=3, max_members=9)
    body = body_save(body=_committee(territory), members=_members(count, owners), actor=users.community)
    assert body.members.count() == count


def test_the_rule_is_of_the_kind_and_the_district(territory, users):
    _rule(territory, users, odd_members=True)
    # Another kind of body is not bound by the owners' committee rule.
    body_save(body=_committee(territory, kind="party_branch", name="党支部"), members=_members(2), actor=users.community)
    # Nor is a body of another district.
    body_save(
        body=Body(community=territory.ce, neighbourhood=territory.ne, kind="owners_committee", name="远郊业委会"),
        members=_members(2),
        actor=users.superuser,
    )


def test_deleting_a_member_is_checked_against_the_rule(territory, users):
    _rule(territory, users, odd_members=True)
    body = body_save(body=_committee(territory), members=_members(3), actor=users.community)
    first = body.members.first()
    with pytest.raises(ValidationError, match="成员人数须为单数"):
        body_save(body=Body.objects.get(pk=body.pk), deleted_members=[first], actor=users.community)
    assert body.members.count() == 3


def test_the_community_follows_the_neighbourhood_and_must_match(territory, users):
    body = body_save(body=Body(neighbourhood=territory.n111, kind="party_branch", name="党支部"), actor=users.community)
    assert body.community_id == territory.c11.pk
    with pytest.raises(ValidationError) as refused:
        body_save(body=_committee(territory, community=territory.c12), actor=users.street)
    assert "neighbourhood" in refused.value.message_dict


def test_term_dates_are_bounded_and_ordered(territory, users):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        body_save(body=_committee(territory, term_start=today, term_end=today - datetime.timedelta(days=1)), actor=users.community)
    assert "term_end" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        body_save(body=_committee(territory, term_end=datetime.date(9999, 1, 1)), actor=users.community)
    assert "超出允许范围" in refused.value.message_dict["term_end"][0]


# ---- terms: the re-election list ----------------------------------------------------------------


def test_bodies_due_for_reelection(territory, users):
    today = timezone.localdate()
    ends = {"ended": -1, "today": 0, "in60": 60, "in61": 61, "none": None}
    bodies = {}
    for key, days in ends.items():
        term_end = None if days is None else today + datetime.timedelta(days=days)
        bodies[key] = body_save(
            body=_committee(territory, name=key, term_start=today - datetime.timedelta(days=1000), term_end=term_end),
            actor=users.community,
        )
    due = set(Body.objects.due_for_reelection(today).values_list("name", flat=True))
    assert due == {"ended", "today", "in60"}
    assert set(Body.objects.term_ended(today).values_list("name", flat=True)) == {"ended"}
    assert bodies["ended"].term_status(today) == "ended"
    assert bodies["in60"].term_status(today) == "due"
    assert bodies["in61"].term_status(today) == "" and bodies["none"].term_status(today) == ""


def test_the_admin_lists_bodies_due_for_reelection(territory, users, client):
    today = timezone.localdate()
    body_save(body=_committee(territory, name="将到期业委会", term_end=today + datetime.timedelta(days=20)), actor=users.community)
    body_save(body=_committee(territory, name="新一届业委会", term_end=today + datetime.timedelta(days=900)), actor=users.community)
    client.force_login(users.community)
    page = client.get(reverse("admin:governance_body_changelist") + "?reelection=due").content.decode()
    assert "将到期业委会" in page and "新一届业委会" not in page
    assert "即将到期，待换届" in page


# ---- scoping per role ---------------------------------------------------------------------------

VISIBLE = {
    "superuser": {"c11", "c12", "c21", "ce"},
    "official": {"c11", "c12", "c21"},
    "street": {"c11", "c12"},
    "community": {"c11"},
    "nobody": set(),
}
MAY_WRITE = {"superuser": True, "official": False, "street": True, "community": True, "nobody": False}
VISIBLE["city"], MAY_WRITE["city"] = VISIBLE["superuser"], False  # the city official reads every district


@pytest.fixture
def rows(territory, users):
    made = {}
    for key in ("c11", "c12", "c21", "ce"):
        community = getattr(territory, key)
        body = body_save(body=Body(community=community, kind="supervision_team", name=f"监督小组{key}"), members=_members(1), actor=users.superuser)
        member = territory_record_save(
            instance=PartyMember(community=community, name=f"党员{key}", category="community", phone=PHONE),
            actor=users.superuser,
        )
        team = vanguard_team_save(team=VanguardTeam(community=community, name=f"先锋队{key}"), members=[member], actor=users.superuser)
        made[key] = {"body": body, "partymember": member, "vanguardteam": team}
    return made


@pytest.mark.parametrize("role", [*VISIBLE, "city"])
def test_each_role_sees_and_writes_its_territory_only(role, rows, users, city):
    actor = getattr(users, role)
    for model, name in ((Body, "body"), (PartyMember, "partymember"), (VanguardTeam, "vanguardteam"), (BodyMember, None)):
        expected = {rows[key]["body" if name is None else name].pk for key in VISIBLE[role]}
        if name is None:
            seen = set(scope(model.objects.all(), actor).values_list("body_id", flat=True))
        else:
            seen = set(scope(model.objects.all(), actor).values_list("pk", flat=True))
        assert seen == expected, model
        written = scope(model.objects.all(), actor, write=True).count()
        assert (written == len(expected)) if MAY_WRITE[role] else written == 0


@pytest.mark.parametrize("role", ["city", "official", "street", "community"])
@pytest.mark.parametrize("name", ["body", "partymember", "vanguardteam"])
def test_admin_pages_inside_and_outside(role, name, rows, users, client, city):
    client.force_login(getattr(users, role))
    for key in ("c11", "c21"):
        obj = rows[key][name]
        url = reverse(f"admin:governance_{name}_change", args=[obj.pk])
        inside = key in VISIBLE[role]
        assert client.get(url).status_code == (200 if inside else 404), (key, url)
    listing = client.get(reverse(f"admin:governance_{name}_changelist")).content.decode()
    assert (rows["c21"][name].name in listing) == ("c21" in VISIBLE[role])


def test_outside_writes_are_refused_by_the_services(rows, users, city):
    outside = Body.objects.get(pk=rows["c12"]["body"].pk)
    outside.note = "越权"
    with pytest.raises(PermissionDenied):
        body_save(body=outside, actor=users.community)
    with pytest.raises(PermissionDenied):
        body_save(body=Body(community=outside.community, kind="party_branch", name="越权"), actor=users.official)
    with pytest.raises(PermissionDenied):
        body_save(body=Body(community=outside.community, kind="party_branch", name="越权"), actor=city)
    member = PartyMember.objects.get(pk=rows["c12"]["partymember"].pk)
    member.organisation = "越权"
    with pytest.raises(PermissionDenied):
        territory_record_save(instance=member, actor=users.community)
    team = VanguardTeam.objects.get(pk=rows["c11"]["vanguardteam"].pk)
    with pytest.raises(ValidationError, match="党员台账"):
        vanguard_team_save(team=team, members=[rows["c12"]["partymember"]], actor=users.street)


def test_composition_rules_are_written_by_superusers_only(territory, users, client, city):
    url = reverse("admin:governance_compositionrule_add")
    for role in ("city", "official", "street", "community"):
        client.force_login(getattr(users, role))
        response = client.post(url, {"district": territory.district.pk, "kind": "owners_committee", "min_members": 3})
        assert response.status_code == 403, role
    assert not CompositionRule.objects.exists()


# ---- admin saves and personal data ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["street", "community"])
def test_an_admin_save_refused_by_a_rule_shows_the_rule(role, territory, users, client):
    _rule(territory, users, odd_members=True)
    client.force_login(getattr(users, role))
    data = {
        "community": territory.c11.pk,
        "neighbourhood": territory.n111.pk,
        "kind": "owners_committee",
        "name": "偶数业委会",
        "members-TOTAL_FORMS": 2,
        "members-INITIAL_FORMS": 0,
        "members-MIN_NUM_FORMS": 0,
        "members-MAX_NUM_FORMS": 1000,
        "members-0-name": "甲",
        "members-0-role": "director",
        "members-0-order": 1,
        "members-1-name": "乙",
        "members-1-role": "member",
        "members-1-order": 2,
        "_save": "1",
    }
    response = client.post(reverse("admin:governance_body_add"), data, follow=True)
    assert "成员人数须为单数" in response.content.decode()
    assert not Body.objects.filter(name="偶数业委会").exists()
    data["members-TOTAL_FORMS"] = 3
    data.update({"members-2-name": "丙", "members-2-role": "member", "members-2-order": 3})
    response = client.post(reverse("admin:governance_body_add"), data)
    assert response.status_code == 302
    assert Body.objects.get(name="偶数业委会").members.count() == 3


def test_no_phone_in_any_audit_row(rows, territory, users):
    body = body_save(body=_committee(territory), members=_members(3, phone=PHONE), actor=users.community)
    member = body.members.first()
    member.phone = "13700001111"
    body_save(body=body, members=[member], actor=users.community)
    ledger = PartyMember.objects.get(pk=rows["c11"]["partymember"].pk)
    ledger.phone = "13700002222"
    territory_record_save(instance=ledger, actor=users.community)
    dumped = json.dumps(
        list(AuditEntry.objects.values("summary", "details", "target_type", "target_id")), ensure_ascii=False
    )
    assert "governance.partymember" in dumped and "governance.body" in dumped
    for phone in (PHONE, "13700001111", "13700002222"):
        assert phone not in dumped
    assert "phone" in dumped  # the change names the field, never its value


# ---- the API: scoped, read-only, no phone ---------------------------------------------------------


@pytest.mark.parametrize("role", ["city", "official", "street", "community"])
def test_the_api_lists_bodies_of_the_territory_without_phones(role, rows, territory, users, city):
    from rest_framework.test import APIClient

    today = timezone.localdate()
    due = body_save(
        body=_committee(territory, name="将到期业委会", term_end=today + datetime.timedelta(days=10)),
        members=_members(3, phone=PHONE),
        actor=users.community,
    )
    client = APIClient()
    client.force_authenticate(getattr(users, role))
    response = client.get("/api/v1/bodies/")
    assert response.status_code == 200
    text = response.content.decode()
    assert PHONE not in text and "phone" not in text
    results = response.json()["results"] if isinstance(response.json(), dict) else response.json()
    seen = {row["name"] for row in results}
    assert seen == {f"监督小组{key}" for key in VISIBLE[role]} | {"将到期业委会"}
    due_only = client.get("/api/v1/bodies/?reelection=due").json()
    due_only = due_only["results"] if isinstance(due_only, dict) else due_only
    assert [row["id"] for row in due_only] == [due.pk] and due_only[0]["term_status"] == "due"
    outside = rows["c21"]["body"]
    expected = 200 if "c21" in VISIBLE[role] else 404
    assert client.get(f"/api/v1/bodies/{outside.pk}/").status_code == expected
    assert client.post("/api/v1/bodies/", {"name": "x"}).status_code in (403, 405)


# ---- the working group led by the party branch; the admin form's community -------------------------


def test_a_working_group_is_led_by_a_party_body_of_its_community(territory, users):
    branch = body_save(body=_committee(territory, kind="party_branch", name="新华里党支部"), actor=users.community)
    committee = body_save(body=_committee(territory), actor=users.community)
    group = body_save(
        body=_committee(territory, kind="working_group", name="改造小组", led_by=branch), actor=users.community
    )
    assert group.led_by == branch and list(branch.led_bodies.all()) == [group]
    with pytest.raises(ValidationError, match="党支部或党小组") as refused:
        body_save(body=_committee(territory, kind="working_group", name="小组2", led_by=committee), actor=users.community)
    assert "led_by" in refused.value.message_dict
    other = body_save(
        body=Body(community=territory.c12, neighbourhood=territory.n121, kind="party_branch", name="东风里党支部"),
        actor=users.street,
    )
    with pytest.raises(ValidationError, match="同一社区"):
        body_save(body=_committee(territory, kind="working_group", name="小组3", led_by=other), actor=users.street)


def test_the_admin_takes_the_community_from_the_neighbourhood(territory, users, client):
    client.force_login(users.community)
    data = {
        "community": "",
        "neighbourhood": territory.n111.pk,
        "kind": "party_branch",
        "name": "新华里党支部",
        "members-TOTAL_FORMS": 0,
        "members-INITIAL_FORMS": 0,
        "_save": "1",
    }
    response = client.post(reverse("admin:governance_body_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Body.objects.get(name="新华里党支部").community == territory.c11
    data.update(neighbourhood="", name="无处安放")
    response = client.post(reverse("admin:governance_body_add"), data)
    assert response.status_code == 200 and "请选择社区，或选择小区。" in response.content.decode()
    assert not Body.objects.filter(name="无处安放").exists()
