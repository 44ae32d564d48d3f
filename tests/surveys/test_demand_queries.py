"""The resident's demand submit POST takes the fewest statements that keep its guarantees
(issue 14): no read it does not use, the current submission retired by one UPDATE, the items
written by one INSERT. The guarantees themselves (one current submission under races, the shared
lock on the list, the audit row) are tested in test_demand.py and test_closing_races.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import AuditEntry
from projects.models import CatalogueItem
from residents.services import household_code_issue_one
from surveys.models import DemandSubmission

from .helpers import collecting_project


def _kind(sql):
    """A statement's first words and the table it names first, e.g. 'INSERT surveys_demandsubmission'."""
    words = sql.split()
    head = words[0].upper()
    if head in ("SAVEPOINT", "RELEASE"):
        return head
    for word in words[1:]:
        if word.startswith('"'):
            return head + " " + word.split(".")[0].strip('"')
    return head


@pytest.mark.django_db
def test_the_submit_post_takes_eleven_statements_with_its_transaction(client, territory, users):
    household = territory.n111.households.order_by("pk").first()
    code = household_code_issue_one(household=household, actor=users.community)
    project, process, lists = collecting_project(territory, users.community)
    url = reverse("surveys:demand", args=[lists[territory.n111.pk].pk])
    client.post(reverse("residents:entry"), {"code": code})
    roads, lift = CatalogueItem.objects.get(code="roads"), CatalogueItem.objects.get(code="elevator_retrofit")
    assert client.post(url, {"items": [roads.pk], "text": "first"}).status_code == 302
    first = DemandSubmission.objects.get(household=household, is_current=True)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"items": [roads.pk, lift.pk, lift.pk], "text": "楼道灯坏了"})
    assert response.status_code == 302
    kinds = [_kind(q["sql"]) for q in queries.captured_queries]
    # The transaction is a savepoint here (the test's own transaction is outside); in production
    # it is BEGIN ... COMMIT, which the driver sends without a statement of Django's.
    assert kinds == [
        "SELECT django_session",
        "SELECT residents_household",
        "SELECT surveys_demandlist",
        "SELECT projects_catalogueitem",
        "SAVEPOINT",
        "SELECT surveys_demandlist",  # FOR SHARE of the list, FOR NO KEY UPDATE of the household
        "UPDATE surveys_demandsubmission",
        "INSERT surveys_demandsubmission",
        "INSERT surveys_demandsubmission_items",
        "INSERT governance_auditentry",
        "RELEASE",
    ], kinds
    current = DemandSubmission.objects.get(household=household, is_current=True)
    assert current.pk != first.pk and set(current.items.all()) == {roads, lift}
    first.refresh_from_db()
    assert first.is_current is False and set(first.items.all()) == {roads}
    entry = AuditEntry.objects.get(action="demand_submit", target_id=str(current.pk))
    assert entry.details["replaced"] == first.pk and entry.details["household"] == household.pk
