"""The surveys API: scoped like the admin, writes through the services, step actions with 409
and every reason, the aggregate and the tally with pinned query counts."""

import pytest
from rest_framework.test import APIClient

from projects.models import CatalogueItem
from surveys.models import Meeting
from surveys.services import ballot_cast, demand_submit

from .helpers import collecting_project, open_vote


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.django_db
def test_processes_and_steps_with_complete_and_review(api, territory, users):
    project, process, lists = collecting_project(territory, users.community)
    api.force_authenticate(users.community)
    listing = api.get("/api/v1/consultation-processes/").json()
    assert listing["count"] == 1 and [s["code"] for s in listing["results"][0]["steps"]][:2] == ["D1", "U1"]
    steps = {s["code"]: s["id"] for s in listing["results"][0]["steps"]}
    refused = api.post(
        f"/api/v1/consultation-steps/{steps['U1']}/review/",
        {"decision": "approved", "department": "区住建局"},
        format="json",
    )
    assert refused.status_code == 409 and refused.json()["reasons"] == [
        "须先完成步骤“D1 一下：召开居民大会，征集改造需求”，不能跳过。"
    ]
    response = api.post(
        "/api/v1/meetings/",
        {
            "process": process.pk,
            "step": steps["D1"],
            "neighbourhood": territory.n111.pk,
            "kind": "assembly",
            "held_on": "2026-03-01",
            "place": "活动室",
            "attendees": 50,
            "households_represented": 30,
        },
        format="json",
    )
    assert response.status_code == 201 and Meeting.objects.get().recorded_by == users.community
    done = api.post(
        f"/api/v1/consultation-steps/{steps['D1']}/complete/", {"note": "大会已开"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    bad = api.post(
        f"/api/v1/consultation-steps/{steps['U1']}/review/",
        {"decision": "returned", "department": "区住建局"},
        format="json",
    )
    assert bad.status_code == 400 and "comments" in bad.json()
    back = api.post(
        f"/api/v1/consultation-steps/{steps['U1']}/review/",
        {"decision": "returned", "department": "区住建局", "comments": "补充"},
        format="json",
    )
    assert back.status_code == 200 and back.json()["reviews"][0]["reopened_step"] == "D1"
    # Out of territory: 404 for reads and actions.
    api.force_authenticate(users.community.__class__.objects.create(username="lonely"))
    assert api.get(f"/api/v1/consultation-steps/{steps['D1']}/").status_code == 403
    from governance.choices import RoleKind
    from tests.factories import staff_user

    api.force_authenticate(staff_user(RoleKind.COMMUNITY_STAFF, territory.c21, "c21"))
    assert api.get(f"/api/v1/consultation-steps/{steps['D1']}/").status_code == 404
    assert (
        api.post(f"/api/v1/consultation-steps/{steps['D1']}/complete/", {}, format="json").status_code == 404
    )
    api.force_authenticate(users.official)
    assert api.get(f"/api/v1/consultation-steps/{steps['D1']}/").status_code == 200
    assert (
        api.post(f"/api/v1/consultation-steps/{steps['D2']}/complete/", {}, format="json").status_code == 403
    )


@pytest.mark.django_db
def test_opinions_are_answered_and_counted(api, territory, users):
    project, process, lists = collecting_project(territory, users.community)
    api.force_authenticate(users.community)
    created = api.post(
        "/api/v1/opinions/",
        {"process": process.pk, "neighbourhood": territory.n111.pk, "source": "online", "text": "增加充电桩"},
        format="json",
    )
    assert created.status_code == 201
    answered = api.post(
        f"/api/v1/opinions/{created.json()['id']}/answer/",
        {"answer": "partly", "answer_text": "先装20个"},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "partly"
    counts = api.get(f"/api/v1/consultation-processes/{process.pk}/opinions/").json()
    assert counts["total"]["summary"] == "收集意见 1 条，采纳 1 条"


@pytest.mark.django_db
def test_the_aggregate_endpoint_ranks_and_its_queries_are_pinned(
    api, territory, users, django_assert_num_queries
):
    project, process, lists = collecting_project(territory, users.community)
    demand_list = lists[territory.n111.pk]
    roads, lift = CatalogueItem.objects.get(code="roads"), CatalogueItem.objects.get(code="elevator_retrofit")
    hs = list(territory.n111.households.all())
    for household, items in ((hs[0], [roads, lift]), (hs[1], [lift]), (hs[2], [lift])):
        demand_submit(demand_list=demand_list, household=household, items=items)
    api.force_authenticate(users.community)
    url = f"/api/v1/demand-lists/{demand_list.pk}/aggregate/"
    api.get(url)  # the actor's territory is computed once and kept on the user object
    with django_assert_num_queries(6):  # the list; then the five of demand_aggregate
        body = api.get(url).json()
    assert (body["households"], body["respondents"], body["response_rate"]) == (4, 3, "75.0")
    assert [(r["code"], r["households"], r["share"]) for r in body["rows"]] == [
        ("elevator_retrofit", 3, "75.0"),
        ("roads", 1, "25.0"),
    ]
    assert api.get(url + "?scope=project").json()["households"] == 4


@pytest.mark.django_db
def test_votes_with_the_tally_and_questionnaire_results(api, territory, users):
    vote = open_vote(territory.n111, users.community)
    for household in territory.n111.households.all()[:3]:
        ballot_cast(vote=vote, household=household, choice="agree")
    api.force_authenticate(users.street)
    body = api.get(f"/api/v1/votes/{vote.pk}/tally/").json()
    assert body["voting_owners"] == 3 and body["total_owners"] == 4 and body["quorum_met"] is True
    assert body["passed"] is True and body["voting_area"] == "226.50"
    assert api.get("/api/v1/votes/").json()["count"] == 1
    assert api.get("/api/v1/questionnaires/").status_code == 200
