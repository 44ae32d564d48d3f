"""The admin's scoping table over every territorial page of the census: each role × each of the
fixture's four neighbourhoods (inside or outside the role's territory) × list, detail and change,
for communities, neighbourhoods, buildings, stairwells and households.

The change is a real POST of the page's own form (read from the superuser's page, one field
edited), so it fails for the reason the table names and for no other.
"""
import pytest
from django.urls import reverse

from governance.models import Stairwell
from tests.admin_forms import form_data
from tests.scopes import NEIGHBOURHOODS, ROLES, VISIBLE, WRITERS, admin_list_text

# Which of the fixture's neighbourhoods (and so which of their objects) each role sees: tests/scopes.py.
MARK = "（改）"

# model -> (admin url name, how to reach the object from its neighbourhood, the field the POST edits)
PAGES = {
    "community": ("governance_community", lambda n: n.community, "name"),
    "neighbourhood": ("governance_neighbourhood", lambda n: n, "name"),
    "building": ("governance_building", lambda n: n.buildings.get(), "name"),
    "stairwell": ("governance_stairwell", lambda n: Stairwell.objects.get(building__neighbourhood=n), "name"),
    "household": ("residents_household", lambda n: n.households.order_by("pk").first(), "owner_name"),
}


def _form_data(client, url, field):
    """The change form at `url` as its superuser sees it, with `field` marked as changed."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    assert field in data, sorted(data)
    data[field] = [data[field][0] + MARK]
    return data


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_admin_list_shows_exactly_the_territory(page, role, client, territory, users):
    url_name, reach, _field = PAGES[page]
    client.force_login(getattr(users, role))
    body = admin_list_text(client, url_name, role)
    if body is None:
        return
    for key in NEIGHBOURHOODS:
        link = 'href="%s' % reverse(f"admin:{url_name}_change", args=[reach(getattr(territory, key)).pk])
        assert (link in body) == (key in VISIBLE[role]), (page, key)


@pytest.mark.parametrize("key", NEIGHBOURHOODS)
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_admin_detail_and_change_inside_and_outside(role, page, key, client, territory, users):
    """Outside: 404 for reading and for writing. Inside: the page opens; the change is saved for
    the roles that manage, refused with 403 for the district official, who only reads."""
    url_name, reach, field = PAGES[page]
    obj = reach(getattr(territory, key))
    url = reverse(f"admin:{url_name}_change", args=[obj.pk])
    client.force_login(users.superuser)
    data = _form_data(client, url, field)
    before = getattr(obj, field)

    client.force_login(getattr(users, role))
    inside = key in VISIBLE[role]
    assert client.get(url).status_code == (200 if inside else 404)
    response = client.post(url, data)
    obj.refresh_from_db()
    if not inside:
        assert response.status_code == 404
    elif role in WRITERS:
        assert response.status_code == 302, _errors(response)
    else:
        assert response.status_code == 403
    assert getattr(obj, field) == (before + MARK if inside and role in WRITERS else before)


def _errors(response):
    """The form's and the inlines' errors, for a failing assertion's message."""
    context = response.context or {}
    errors = [context["adminform"].form.errors] if "adminform" in context else []
    errors += [formset.formset.errors for formset in context.get("inline_admin_formsets", [])]
    return errors or response.status_code


# Streets and districts: roles see the units above them (for filters) without managing them.
# (role, unit) -> status of the change POST; reading gives 200 wherever this is not 404.
UNIT_CHANGE = {
    "superuser": {"s1": 302, "s2": 302, "district": 302, "other_district": 302},
    "official": {"s1": 403, "s2": 403, "district": 403, "other_district": 404},
    "street": {"s1": 302, "s2": 404, "district": 403, "other_district": 404},
    "community": {"s1": 403, "s2": 404, "district": 403, "other_district": 404},
    "nobody": {"s1": 404, "s2": 404, "district": 404, "other_district": 404},
}


@pytest.mark.parametrize("unit", ["s1", "s2", "district", "other_district"])
@pytest.mark.parametrize("role", list(UNIT_CHANGE))
def test_admin_streets_and_districts(role, unit, client, territory, users):
    obj = getattr(territory, unit)
    url_name = "governance_street" if unit.startswith("s") else "governance_district"
    url = reverse(f"admin:{url_name}_change", args=[obj.pk])
    client.force_login(users.superuser)
    data = _form_data(client, url, "name")
    before = obj.name

    client.force_login(getattr(users, role))
    expected = UNIT_CHANGE[role][unit]
    assert client.get(url).status_code == (404 if expected == 404 else 200)
    listing = client.get(reverse(f"admin:{url_name}_changelist"))
    if VISIBLE[role]:
        assert ('href="%s' % url in listing.content.decode()) == (expected != 404)
    response = client.post(url, data)
    assert response.status_code == expected, _errors(response)
    obj.refresh_from_db()
    assert obj.name == (before + MARK if expected == 302 else before)


# The territory filters offer only what the role sees: no name from outside leaks through them.
OUTSIDE_NAMES = {
    "official": ["东兴区", "郊外街道", "远郊社区"],
    "street": ["东兴区", "桂湖街道", "北门社区"],
    "community": ["东兴区", "桂湖街道", "东风社区"],
}


@pytest.mark.parametrize("page", ["street", "community", "neighbourhood", "building", "stairwell", "household"])
@pytest.mark.parametrize("role", list(OUTSIDE_NAMES))
def test_list_filters_offer_only_the_territory(page, role, client, territory, users):
    url_name = "residents_household" if page == "household" else f"governance_{page}"
    client.force_login(getattr(users, role))
    body = client.get(reverse(f"admin:{url_name}_changelist")).content.decode()
    for name in OUTSIDE_NAMES[role]:
        assert name not in body, name


def test_the_district_filter_appears_for_whoever_sees_two_districts(client, territory, users):
    url = reverse("admin:governance_neighbourhood_changelist")
    client.force_login(users.superuser)
    body = client.get(url).content.decode()
    assert f"?district={territory.other_district.pk}" in body
    filtered = client.get(url, {"district": territory.other_district.pk}).content.decode()
    assert "远郊里" in filtered and "新华里" not in filtered
    client.force_login(users.official)
    assert "?district=" not in client.get(url).content.decode()
