"""Reissuing the codes of a few households (lost slips) from the household list, leaving the rest
of the neighbourhood's codes working: the service and the admin action (confirm, then the sheet or
the CSV)."""
import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.models import AuditEntry
from residents.models import Household
from residents.selectors import household_for_code
from residents.services import household_codes_issue, household_codes_issue_selected
from tests.residents.test_codes import codes_in

CHANGELIST = "admin:residents_household_changelist"


@pytest.fixture
def issued(territory, users):
    """Codes for every household of N111 and N121, as printed: {household pk: code}."""
    items = household_codes_issue(neighbourhood=territory.n111, actor=users.street)
    items += household_codes_issue(neighbourhood=territory.n121, actor=users.street)
    return {item.household.pk: item.code for item in items}


def _households(neighbourhood):
    return list(Household.objects.filter(neighbourhood=neighbourhood).order_by("pk"))


def test_the_service_replaces_only_the_selected_codes(territory, users, issued):
    lost, kept = _households(territory.n111)[:2], _households(territory.n111)[2:]
    other = _households(territory.n121)[0]
    new = household_codes_issue_selected(household_ids=[other.pk, *(h.pk for h in lost)], actor=users.street)
    assert [item.household.neighbourhood for item in new] == [territory.n111] * 2 + [territory.n121]
    for item in new:
        assert household_for_code(item.code) == item.household
        assert household_for_code(issued[item.household.pk]) is None  # the old slip stops working
    for household in kept:
        assert household_for_code(issued[household.pk]) == household  # the others still work
    assert AuditEntry.objects.filter(action="household_code_issue_one").count() == 3


def test_the_service_refuses_all_when_one_household_is_not_the_actors(territory, users, issued):
    mine, theirs = _households(territory.n111)[0], _households(territory.n121)[0]
    with pytest.raises(PermissionDenied):
        household_codes_issue_selected(household_ids=[mine.pk, theirs.pk], actor=users.community)
    assert household_for_code(issued[mine.pk]) == mine  # nothing changed, not even the first
    with pytest.raises(Household.DoesNotExist):
        household_codes_issue_selected(household_ids=[mine.pk, 999_999], actor=users.community)
    assert household_for_code(issued[mine.pk]) == mine


def _action(client, households, **extra):
    data = {"action": "reissue_access_codes", "_selected_action": [h.pk for h in households], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_the_action_asks_first_then_prints_only_the_selected(client, territory, users, issued):
    client.force_login(users.community)
    lost = _households(territory.n111)[:2]
    page = _action(client, lost)
    assert page.status_code == 200
    assert page.templates[0].name == "admin/residents/household_access_codes.html"
    assert "其他住户的户码不受影响" in page.content.decode()
    assert household_for_code(issued[lost[0].pk]) == lost[0]  # asking changes nothing

    sheet = _action(client, lost, confirm="yes", output="sheet")
    assert sheet.status_code == 200 and "no-store" in sheet["Cache-Control"]
    printed = codes_in(sheet.content.decode())
    assert {household_for_code(code) for code in printed} == set(lost)
    for household in _households(territory.n111)[2:]:
        assert household_for_code(issued[household.pk]) == household


def test_the_action_answers_a_csv(client, territory, users, issued):
    client.force_login(users.street)
    lost = [_households(territory.n111)[0], _households(territory.n121)[1]]
    response = _action(client, lost, confirm="yes", output="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["小区", "楼栋", "单元", "房号", "户码"]
    assert {household_for_code(row[4]) for row in rows[1:]} == set(lost)


def test_the_action_is_not_offered_to_a_district_official(client, territory, users, issued):
    client.force_login(users.official)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "reissue_access_codes" not in page
    household = _households(territory.n111)[0]
    _action(client, [household], confirm="yes", output="sheet")
    assert household_for_code(issued[household.pk]) == household


def test_households_outside_the_territory_are_not_touched(client, territory, users, issued):
    """The action works on the scoped list: an id from another community selects nothing."""
    client.force_login(users.community)
    theirs = _households(territory.n121)[0]
    response = _action(client, [theirs], confirm="yes", output="sheet")
    assert response.status_code == 302  # Django's "no items selected" back to the list
    assert household_for_code(issued[theirs.pk]) == theirs
