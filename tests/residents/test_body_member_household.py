"""A body member's household (issue 13 item 1): the optional link, kept in residents (households
live above governance), written by member_household_set and from the body's admin page; the
household must lie in the body's neighbourhood; scoped like the body; no personal data audited."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.bodies import Body, BodyMember
from governance.models import AuditEntry
from governance.scoping import scope
from governance.services_bodies import body_save
from residents.models import BodyMemberHousehold, Household
from residents.services_bodies import member_household_set
from tests.admin_forms import form_data, merged


def _body(territory, actor, neighbourhood=None, community=None):
    neighbourhood = neighbourhood if neighbourhood is not None else territory.n111
    body = body_save(
        body=Body(
            community=community or neighbourhood.community, neighbourhood=neighbourhood if community is None else None,
            kind="owners_committee", name=f"{neighbourhood.name}业委会",
        ),
        members=[BodyMember(name="周主任", role="director", is_owner=True, phone="13800000009")],
        actor=actor,
    )
    return body, body.members.get()


def test_a_member_is_linked_to_a_household_of_the_body_neighbourhood(territory, users):
    body, member = _body(territory, users.community)
    household = Household.objects.filter(neighbourhood=territory.n111).first()
    link = member_household_set(member=member, household=household, actor=users.community)
    assert BodyMemberHousehold.objects.get(member=member).household == household == link.household
    assert member_household_set(member=member, household=None, actor=users.community) is None
    assert not BodyMemberHousehold.objects.exists()


def test_a_household_elsewhere_is_refused(territory, users):
    body, member = _body(territory, users.street)
    elsewhere = Household.objects.filter(neighbourhood=territory.n121).first()
    with pytest.raises(ValidationError) as refused:
        member_household_set(member=member, household=elsewhere, actor=users.street)
    assert "household" in refused.value.message_dict
    # A community's body takes any household of the community.
    community_body, community_member = _body(territory, users.street, community=territory.c12, neighbourhood=territory.n121)
    assert member_household_set(member=community_member, household=elsewhere, actor=users.street).household == elsewhere
    with pytest.raises(ValidationError):
        member_household_set(member=community_member, household=Household.objects.filter(neighbourhood=territory.n111).first(), actor=users.street)


def test_outside_actors_are_refused(territory, users):
    body, member = _body(territory, users.street, neighbourhood=territory.n121)
    household = Household.objects.filter(neighbourhood=territory.n121).first()
    for actor in (users.community, users.official):
        with pytest.raises(PermissionDenied):
            member_household_set(member=member, household=household, actor=actor)
    assert not BodyMemberHousehold.objects.exists()


def test_each_role_sees_the_links_of_its_territory_only(territory, users):
    links = {}
    for key in ("n111", "n121", "n211", "ne"):
        neighbourhood = getattr(territory, key)
        body, member = _body(territory, users.superuser, neighbourhood=neighbourhood)
        links[key] = member_household_set(
            member=member, household=Household.objects.filter(neighbourhood=neighbourhood).first(), actor=users.superuser
        )
    visible = {"superuser": {"n111", "n121", "n211", "ne"}, "official": {"n111", "n121", "n211"}, "street": {"n111", "n121"}, "community": {"n111"}, "nobody": set()}
    for role, keys in visible.items():
        actor = getattr(users, role)
        assert set(scope(BodyMemberHousehold.objects.all(), actor).values_list("pk", flat=True)) == {links[k].pk for k in keys}
        written = set(scope(BodyMemberHousehold.objects.all(), actor, write=True).values_list("pk", flat=True))
        assert written == ({links[k].pk for k in keys} if role != "official" else set())


def test_the_body_admin_page_links_a_member_household(territory, users, client):
    body, member = _body(territory, users.community)
    household = Household.objects.filter(neighbourhood=territory.n111).order_by("room").last()
    client.force_login(users.community)
    url = reverse("admin:governance_body_change", args=[body.pk])
    page = client.get(url)
    choices = page.context["inline_admin_formsets"][0].formset.forms[0].fields["household"].queryset
    assert set(choices) == set(Household.objects.filter(neighbourhood=territory.n111))
    data = merged(form_data(page), {"members-0-household": household.pk, "_save": "1"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BodyMemberHousehold.objects.get(member=member).household == household
    dumped = json.dumps(list(AuditEntry.objects.filter(action="member_household_set").values("summary", "details")), ensure_ascii=False)
    assert str(household.pk) in dumped and household.room not in dumped and "13800000009" not in dumped
    # Another neighbourhood's household is not among the choices: refused by the form.
    data["members-0-household"] = Household.objects.filter(neighbourhood=territory.n121).first().pk
    response = client.post(url, data)
    assert response.status_code == 200
    assert BodyMemberHousehold.objects.get(member=member).household == household
