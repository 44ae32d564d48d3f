"""The scoping table: each role × inside/outside its territory × list/detail/change, on the admin,
plus the scoping function itself on every territorial model."""

import pytest
from django.urls import reverse

from governance.models import Building, Community, District, Neighbourhood, Stairwell, Street
from governance.scoping import scope
from residents.models import Household
from tests.scopes import NEIGHBOURHOODS, ROLES, VISIBLE, WRITERS, admin_list_text



@pytest.mark.parametrize("role", ROLES)
def test_scope_function_on_every_level(role, territory, users):
    actor = getattr(users, role)
    visible = {getattr(territory, key).pk for key in VISIBLE[role]}
    assert set(scope(Neighbourhood.objects.all(), actor).values_list("pk", flat=True)) == visible
    assert set(scope(Building.objects.all(), actor).values_list("neighbourhood_id", flat=True)) == visible
    assert (
        set(scope(Stairwell.objects.all(), actor).values_list("building__neighbourhood_id", flat=True))
        == visible
    )
    assert set(scope(Household.objects.all(), actor).values_list("neighbourhood_id", flat=True)) == visible
    written = set(scope(Neighbourhood.objects.all(), actor, write=True).values_list("pk", flat=True))
    assert written == (visible if role in WRITERS else set())


def test_roles_see_the_territory_above_them(territory, users):
    """Community staff see their own street and district (for filters), not their neighbours'."""
    t = territory
    assert list(scope(District.objects.all(), users.community)) == [t.district]
    assert list(scope(Street.objects.all(), users.community)) == [t.s1]
    assert list(scope(Community.objects.all(), users.community)) == [t.c11]
    assert set(scope(Community.objects.all(), users.street)) == {t.c11, t.c12}
    assert set(scope(Street.objects.all(), users.official)) == {t.s1, t.s2}
    assert scope(District.objects.all(), users.nobody).count() == 0


def test_a_user_with_two_roles_sees_both_territories(territory, users):
    from governance.choices import RoleKind
    from governance.models import StaffRole
    from governance.scoping import forget_territory

    StaffRole.objects.create(user=users.community, kind=RoleKind.COMMUNITY_STAFF, community=territory.c21)
    forget_territory(users.community)
    seen = set(scope(Neighbourhood.objects.all(), users.community))
    assert seen == {territory.n111, territory.n211}


def test_unscoped_model_is_refused():
    from django.contrib.auth.models import Group

    with pytest.raises(TypeError):
        scope(Group.objects.all(), None)


@pytest.mark.parametrize("role", ROLES)
def test_admin_list_shows_only_the_territory(role, client, territory, users):
    client.force_login(getattr(users, role))
    body = admin_list_text(client, "governance_neighbourhood", role)
    if body is None:
        return
    for key in NEIGHBOURHOODS:
        assert (getattr(territory, key).name in body) == (key in VISIBLE[role]), key


@pytest.mark.parametrize("role", [r for r in ROLES if VISIBLE[r]])
@pytest.mark.parametrize("key", NEIGHBOURHOODS)
def test_admin_detail_inside_is_200_outside_is_404(role, key, client, territory, users):
    client.force_login(getattr(users, role))
    obj = getattr(territory, key)
    response = client.get(reverse("admin:governance_neighbourhood_change", args=[obj.pk]))
    assert response.status_code == (200 if key in VISIBLE[role] else 404)
    household = obj.households.first()
    response = client.get(reverse("admin:residents_household_change", args=[household.pk]))
    assert response.status_code == (200 if key in VISIBLE[role] else 404)


@pytest.mark.parametrize("role", [r for r in ROLES if VISIBLE[r]])
@pytest.mark.parametrize("key", NEIGHBOURHOODS)
def test_admin_change_only_where_the_role_writes(role, key, client, territory, users):
    client.force_login(getattr(users, role))
    obj = getattr(territory, key)
    url = reverse("admin:governance_neighbourhood_change", args=[obj.pk])
    data = {
        "community": obj.community_id,
        "name": obj.name + "（改）",
        "code": "",
        "address": obj.address,
        "built_year": obj.built_year,
        "original_property_unit": "",
        "latitude": "",
        "longitude": "",
        "admission_reason": "",
        "buildings-TOTAL_FORMS": "0",
        "buildings-INITIAL_FORMS": "0",
        "buildings-MIN_NUM_FORMS": "0",
        "buildings-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    obj.refresh_from_db()
    if key not in VISIBLE[role]:
        assert response.status_code == 404
        assert not obj.name.endswith("（改）")
    elif role in WRITERS:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert obj.name.endswith("（改）")
    else:
        assert response.status_code == 403
        assert not obj.name.endswith("（改）")


def test_staff_cannot_move_a_neighbourhood_into_another_community(client, territory, users):
    """FK choices are scoped: community staff cannot attach their neighbourhood elsewhere."""
    client.force_login(users.community)
    obj = territory.n111
    url = reverse("admin:governance_neighbourhood_change", args=[obj.pk])
    response = client.post(
        url,
        {
            "community": territory.c21.pk,
            "name": obj.name,
            "built_year": obj.built_year,
            "buildings-TOTAL_FORMS": "0",
            "buildings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form is shown again with the error
    obj.refresh_from_db()
    assert obj.community == territory.c11


def test_roles_never_manage_what_lies_above_them(territory, users):
    """Seeing one's street and district does not mean managing them."""
    assert scope(District.objects.all(), users.street, write=True).count() == 0
    assert scope(Street.objects.all(), users.community, write=True).count() == 0
    assert list(scope(Street.objects.all(), users.street, write=True)) == [territory.s1]
    assert list(scope(Community.objects.all(), users.community, write=True)) == [territory.c11]


@pytest.mark.parametrize("model", ["district", "street", "community"])
@pytest.mark.parametrize("role", ["official", "street", "community"])
def test_only_superusers_add_administrative_units(model, role, client, users):
    client.force_login(getattr(users, role))
    assert client.get(reverse(f"admin:governance_{model}_add")).status_code == 403
    client.force_login(users.superuser)
    assert client.get(reverse(f"admin:governance_{model}_add")).status_code == 200
