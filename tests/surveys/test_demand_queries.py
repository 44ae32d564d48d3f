"""The resident's demand submit POST takes the fewest statements that keep its guarantees
(issue 14). On PostgreSQL an accepted POST is the session's read, one statement that takes the
locks and reads what the checks need, and one statement that writes the submission, its items and
the audit row (surveys.services.demand_submit_quick). Whatever that path declines goes through the
page's general path, which finds the cause and says it; these tests show it declines each cause
without writing. The guarantees themselves (one current submission under races, the shared lock on
the list, the audit row) are tested in test_demand.py and test_closing_races.py, for both paths."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import AuditEntry
from projects.models import CatalogueItem
from residents.services import household_code_issue_one
from surveys.models import DemandList, DemandSubmission
from surveys.services import demand_submit, demand_submit_quick
from governance import prepared
from tests.races import at_once, errors_of, postgresql_only

from .helpers import collecting_project
from .helpers_races import collecting_in_n111

POSTGRESQL = connection.vendor == "postgresql"


def _kind(sql):
    """A statement's first word and the first table it names, e.g. 'INSERT surveys_demandsubmission',
    or the prepared statement it runs or prepares, e.g. 'EXECUTE surveys_demand_write'."""
    words = sql.split()
    head = words[0].upper()
    if head in ("SAVEPOINT", "RELEASE"):
        return head
    if head in ("EXECUTE", "PREPARE"):
        return head + " " + words[1]
    for word in words[1:]:
        if word.startswith('"'):
            return head + " " + word.split(".")[0].strip('"')
    return head


@pytest.fixture
def signed_in(client, territory, users):
    """A signed-in household of n111 and its neighbourhood's open demand list, with its form URL."""
    household = territory.n111.households.order_by("pk").first()
    code = household_code_issue_one(household=household, actor=users.community)
    project, process, lists = collecting_project(territory, users.community, [territory.n111, territory.n121])
    client.post(reverse("residents:entry"), {"code": code})
    demand_list = lists[territory.n111.pk]
    return household, demand_list, reverse("surveys:demand", args=[demand_list.pk])


def _items(*codes):
    return [CatalogueItem.objects.get(code=code) for code in codes]


@pytest.mark.django_db
def test_an_accepted_post_takes_three_statements_on_postgresql(client, signed_in):
    household, demand_list, url = signed_in
    roads, lift = _items("roads", "elevator_retrofit")
    assert client.post(url, {"items": [roads.pk], "text": "first"}).status_code == 302
    first = DemandSubmission.objects.get(household=household, is_current=True)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"items": [roads.pk, lift.pk, lift.pk], "text": "楼道灯坏了"})
    assert response.status_code == 302
    kinds = [_kind(q["sql"]) for q in queries.captured_queries]
    # The transaction is a savepoint here (the test's own transaction is outside); in production
    # it is BEGIN ... COMMIT, which the driver sends without a statement of Django's. The first
    # POST on this connection prepared the two statements (governance/prepared.py): this one runs them.
    if POSTGRESQL:
        assert kinds == [
            "SELECT django_session",
            "SAVEPOINT",
            "EXECUTE surveys_demand_checks",  # the locks, the list, the code hash, the offered items
            "EXECUTE surveys_demand_write",  # retire, insert, items, audit
            "RELEASE",
        ], kinds
    else:  # SQLite: the general path (no row locks to take, no data-modifying WITH)
        assert kinds == [
            "SELECT django_session",
            "SELECT residents_household",
            "SELECT surveys_demandlist",
            "SELECT projects_catalogueitem",
            "SAVEPOINT",
            "SELECT surveys_demandlist",
            "UPDATE surveys_demandsubmission",
            "INSERT surveys_demandsubmission",
            "INSERT surveys_demandsubmission_items",
            "INSERT governance_auditentry",
            "RELEASE",
        ], kinds
    current = DemandSubmission.objects.get(household=household, is_current=True)
    assert response["Location"] == f"/me/demand/receipt/{current.receipt}/"
    assert current.pk != first.pk and set(current.items.all()) == {roads, lift}
    assert current.text == "楼道灯坏了" and current.channel == "online" and current.entered_by is None
    first.refresh_from_db()
    assert first.is_current is False and set(first.items.all()) == {roads}
    entry = AuditEntry.objects.get(action="demand_submit", target_id=str(current.pk))
    assert entry.actor is None and entry.summary == current.receipt
    assert entry.target_type == "surveys.demandsubmission"
    assert entry.details == {
        "list": demand_list.pk,
        "household": household.pk,
        "channel": "online",
        "items": [roads.pk, lift.pk],
        "replaced": first.pk,
    }
    first_entry = AuditEntry.objects.get(action="demand_submit", target_id=str(first.pk))
    assert first_entry.details["replaced"] is None


@pytest.mark.django_db
def test_the_service_writes_in_one_statement_on_postgresql(signed_in, users):
    """demand_submit (staff entering a paper form, and the page's general path) shares the write."""
    household, demand_list, url = signed_in
    parking = _items("parking")
    with CaptureQueriesContext(connection) as queries:
        paper = demand_submit(
            demand_list=demand_list, household=household, items=parking, channel="paper", actor=users.community
        )
    kinds = [_kind(q["sql"]) for q in queries.captured_queries]
    kinds = kinds[kinds.index("SAVEPOINT"):]  # before it: the checks' reads (the actor's scope)
    kinds = [k for k in kinds if not k.startswith("PREPARE")]  # once a connection
    writes = ["EXECUTE surveys_demand_write"] if POSTGRESQL else [
        "UPDATE surveys_demandsubmission",
        "INSERT surveys_demandsubmission",
        "INSERT surveys_demandsubmission_items",
        "INSERT governance_auditentry",
    ]
    assert kinds == ["SAVEPOINT", "SELECT surveys_demandlist", *writes, "RELEASE"], kinds
    paper = DemandSubmission.objects.get(pk=paper.pk)
    assert paper.is_current and paper.entered_by == users.community and paper.channel == "paper"
    entry = AuditEntry.objects.get(action="demand_submit", target_id=str(paper.pk))
    assert entry.actor == users.community and entry.details["items"] == [_items("parking")[0].pk]


@pytest.mark.django_db
@pytest.mark.skipif(not POSTGRESQL, reason="the quick path is PostgreSQL's; elsewhere it always declines")
def test_the_quick_path_declines_what_the_general_path_must_explain(signed_in, territory, users):
    household, demand_list, url = signed_in
    check = household.access_code_hash[:16]
    roads = _items("roads")[0]

    def quick(**kwargs):
        call = {"list_pk": demand_list.pk, "household_pk": household.pk, "code_check": check,
                "item_pks": [roads.pk], "text": ""}
        return demand_submit_quick(**{**call, **kwargs})

    other_list = DemandList.objects.exclude(neighbourhood=territory.n111).first()
    assert quick(code_check="stale") is None
    assert quick(list_pk=other_list.pk) is None  # another neighbourhood's list
    assert quick(item_pks=[], text="") is None  # nothing chosen
    assert quick(item_pks=[roads.pk, 10**8]) is None  # not an item
    retired = _items("parking")[0]
    CatalogueItem.objects.filter(pk=retired.pk).update(active=False)
    assert quick(item_pks=[roads.pk, retired.pk]) is None  # retired
    assert not DemandSubmission.objects.exists()
    receipt = quick()
    assert DemandSubmission.objects.get(receipt=receipt).is_current
    DemandList.objects.filter(pk=demand_list.pk).update(is_open=False)
    assert quick() is None  # closed
    assert DemandSubmission.objects.count() == 1


@pytest.mark.django_db
def test_what_the_quick_path_declines_the_page_explains_and_nothing_is_written(client, signed_in, territory, users):
    household, demand_list, url = signed_in
    roads = _items("roads")[0]
    retired = CatalogueItem.objects.get(code="parking")
    CatalogueItem.objects.filter(pk=retired.pk).update(active=False)
    response = client.post(url, {"items": [roads.pk, retired.pk]})
    assert response.status_code == 400 and f"{retired.pk} 不在可用的选项中" in response.content.decode()
    assert client.post(url, {"items": ["1x"]}).status_code == 400
    response = client.post(url, {"text": "  "})
    assert response.status_code == 400 and "请至少勾选一项" in response.content.decode()
    other_list = DemandList.objects.exclude(neighbourhood=territory.n111).first()
    assert client.post(reverse("surveys:demand", args=[other_list.pk]), {"items": [roads.pk]}).status_code == 404
    DemandList.objects.filter(pk=demand_list.pk).update(is_open=False)
    response = client.post(url, {"items": [roads.pk]})
    assert response.status_code == 302 and response["Location"] == reverse("surveys:home")
    DemandList.objects.filter(pk=demand_list.pk).update(is_open=True)
    household_code_issue_one(household=household, actor=users.community)  # a new code: the session ends
    response = client.post(url, {"items": [roads.pk]})
    assert response.status_code == 302 and response["Location"].startswith(reverse("residents:entry"))
    assert not DemandSubmission.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_quick_and_general_submissions_leave_exactly_one_current(territory, users):
    _process, demand_list = collecting_in_n111(territory, users)
    household = territory.n111.households.order_by("pk").first()
    household_code_issue_one(household=household, actor=users.community)
    household.refresh_from_db()
    check = household.access_code_hash[:16]
    codes = ["roads", "parking", "greening", "lighting"]
    quick = [
        lambda code=code: demand_submit_quick(
            list_pk=demand_list.pk, household_pk=household.pk, code_check=check,
            item_pks=[_items(code)[0].pk], text="",
        )
        for code in codes
    ]
    general = [lambda: demand_submit(demand_list=demand_list, household=household, items=_items("roads"))]
    results = at_once(quick + general)
    assert errors_of(results) == [] and all(results), results
    rows = DemandSubmission.objects.filter(household=household)
    assert rows.count() == 5 and rows.filter(is_current=True).count() == 1
    replaced = sorted(
        e.details["replaced"] for e in AuditEntry.objects.filter(action="demand_submit") if e.details["replaced"]
    )
    # One after another: each but the first replaced exactly one earlier submission.
    assert len(replaced) == 4 and len(set(replaced)) == 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not POSTGRESQL, reason="prepared statements are PostgreSQL's")
def test_a_statement_is_prepared_once_a_connection_and_plain_when_turned_off(settings):
    sql = "SELECT %s::bigint + %s::bigint"
    connection.close()  # a new connection: nothing prepared on it yet
    runs = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
            prepared.execute(cursor, "test_sum", sql, [2, 3], ["bigint", "bigint"])
            assert cursor.fetchone() == (5,)
        runs.append([_kind(q["sql"]) for q in queries.captured_queries])
    assert runs == [["PREPARE test_sum", "EXECUTE test_sum"], ["EXECUTE test_sum"]]
    connection.close()
    with connection.cursor() as cursor:  # the new connection prepares it again
        prepared.execute(cursor, "test_sum", sql, [4, 5], ["bigint", "bigint"])
        assert cursor.fetchone() == (9,)
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        prepared.execute(cursor, "test_sum", sql, [1, 1], ["bigint", "bigint"])
        assert cursor.fetchone() == (2,)
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1::bigint + 1::bigint"]
    with pytest.raises(ValueError, match="test_sum: 1 parameters, 2 types, 2 placeholders"):
        prepared.execute(connection.cursor(), "test_sum", sql, [1], ["bigint", "bigint"])
