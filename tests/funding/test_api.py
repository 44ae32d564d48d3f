"""The funding API under /api/v1/: scoped reads (404 outside the territory), writes through the
services with their refusals as 400 naming the field, a plan's schedule, and pinned query counts."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from funding.models import Commitment, SubsidyPlan
from funding.services import commitment_create, subsidies_run
from governance.choices import RoleKind
from tests.factories import staff_user

from .conftest import DAY, make_source
from .subsidy_helpers import arrangement, assess, plan

pytestmark = pytest.mark.django_db


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_commitments_are_scoped_and_written_through_the_service(users, territory, project, source):
    api = _api(users.street)
    body = {"source": source.pk, "project": project.pk, "amount": "900000.00", "committed_on": "2025-03-01"}
    response = api.post("/api/v1/commitments/", body, format="json")
    assert response.status_code == 400
    assert "尚未承诺的 800,000.00 元" in response.json()["amount"][0]
    response = api.post("/api/v1/commitments/", {**body, "amount": "800000.00"}, format="json")
    assert response.status_code == 201, response.content
    commitment_id = response.json()["id"]
    assert _api(users.community).get(f"/api/v1/commitments/{commitment_id}/").status_code == 200
    other_street = staff_user(RoleKind.STREET_STAFF, territory.s2)
    assert _api(other_street).get(f"/api/v1/commitments/{commitment_id}/").status_code == 404
    # a project outside the actor's territory is refused as if it did not exist
    response = _api(other_street).post("/api/v1/commitments/", body, format="json")
    assert response.status_code == 400 and "project" in response.json()
    assert _api(users.official).post("/api/v1/commitments/", body, format="json").status_code == 403
    assert Commitment.objects.count() == 1


def test_disbursement_over_the_commitment_is_400_with_the_figures(users, project, source):
    commitment = commitment_create(
        source=source, project=project, amount="500.00", committed_on=DAY, actor=users.street
    )
    api = _api(users.street)
    body = {
        "commitment": commitment.pk,
        "amount": "1000.00",
        "paid_on": "2025-03-02",
        "payee": "甜城建工",
        "voucher_number": "PZ1",
    }
    response = api.post("/api/v1/disbursements/", body, format="json")
    assert response.status_code == 400
    assert response.json()["amount"][0].startswith("拨付金额 1,000.00 元超过该承诺尚未拨付的 500.00 元")
    assert api.post("/api/v1/disbursements/", {**body, "amount": "500.00"}, format="json").status_code == 201
    data = api.get(f"/api/v1/commitments/{commitment.pk}/").json()
    assert data["disbursed"] == "500.00"


def test_project_funding_endpoint(users, territory, project, source):
    commitment_create(
        source=source, project=project, amount="400000.00", committed_on=DAY, actor=users.street
    )
    data = _api(users.community).get(f"/api/v1/project-funding/{project.pk}/").json()
    assert data["committed"] == "400000.00" and data["gap"] == "600000.00" and data["covered"] is False
    assert data["by_kind"] == [{"kind": "district_budget", "committed": "400000.00", "disbursed": "0.00"}]
    assert (
        _api(staff_user(RoleKind.STREET_STAFF, territory.s2))
        .get(f"/api/v1/project-funding/{project.pk}/")
        .status_code
        == 404
    )


def test_sources_list_is_scoped_with_committed_totals(
    users, territory, project, source, django_assert_max_num_queries
):
    make_source(territory, name="桂湖街道资金", street="s2")
    commitment_create(source=source, project=project, amount="1.00", committed_on=DAY, actor=users.street)
    api = _api(users.street)
    with django_assert_max_num_queries(6):
        rows = api.get("/api/v1/funding-sources/").json()["results"]
    assert [(r["name"], r["committed"]) for r in rows] == [(source.name, "1.00")]


def test_subsidy_plan_create_and_schedule(users, territory, django_assert_max_num_queries):
    current = arrangement(territory.n111, users.street)
    api = _api(users.street)
    body = {
        "neighbourhood": territory.n111.pk,
        "arrangement": current.pk,
        "name": "新华里物业补贴",
        "area": "8000.00",
        "start_on": "2024-01-01",
        "rates": ["1.00", "1.20"],
        "payers": [{"payer_name": "区财政局", "share": "75"}, {"payer_name": "市财政局", "share": "25"}],
    }
    response = api.post("/api/v1/subsidy-plans/", body, format="json")
    assert response.status_code == 400 and "第2年的补贴标准" in response.json()["rates"][0]
    response = api.post("/api/v1/subsidy-plans/", {**body, "rates": ["1.00", "0.50"]}, format="json")
    assert response.status_code == 201, response.content
    created = SubsidyPlan.objects.get(pk=response.json()["id"])
    assess(created, 2024, "72", users.street)
    subsidies_run(today=datetime.date(2025, 1, 1))
    with django_assert_max_num_queries(8):
        data = api.get(f"/api/v1/subsidy-plans/{created.pk}/").json()
    years = data["installments"]
    assert [(y["year"], y["status"], y["amount"]) for y in years] == [
        (1, "paid", "6400.00"),
        (2, "scheduled", None),
    ]
    assert [p["amount"] for p in years[0]["payments"]] == ["4800.00", "1600.00"]
    response = api.post(f"/api/v1/subsidy-plans/{created.pk}/exit/", {"on": "2025-06-30"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "exited"
    other = staff_user(RoleKind.COMMUNITY_STAFF, territory.c21)
    assert _api(other).get(f"/api/v1/subsidy-plans/{created.pk}/").status_code == 404
    assert _api(other).get("/api/v1/subsidy-installments/").json()["results"] == []


def test_arrangements_and_assessments(users, territory):
    api = _api(users.community)
    response = api.post(
        "/api/v1/management-arrangements/",
        {
            "neighbourhood": territory.n111.pk,
            "mode": "self_managed",
            "started_on": "2024-01-01",
            "fee_per_m2_month": "0.30",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    response = api.post(
        "/api/v1/assessments/",
        {"arrangement": response.json()["id"], "year": 2024, "score": "101", "assessor": "考核组"},
        format="json",
    )
    assert response.status_code == 400
    assert api.get("/api/v1/assessments/").json()["results"] == []
    # community C12's neighbourhood is not community C11 staff's to manage
    response = api.post(
        "/api/v1/management-arrangements/",
        {"neighbourhood": territory.n121.pk, "mode": "none", "started_on": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 400 and "neighbourhood" in response.json()
    p = plan(territory.n111, users.street)
    assert p.arrangement.mode == "self_managed"
    assert Decimal(_api(users.street).get(f"/api/v1/subsidy-plans/{p.pk}/").json()["area"]) == Decimal(
        "10000"
    )


def test_street_staff_create_a_source_through_the_api(users, territory):
    api = _api(users.street)
    body = {
        "name": "玉溪街道配套资金",
        "kind": "district_budget",
        "provider": "甜城区财政局",
        "amount_held": "1000.00",
        "district": territory.district.pk,
        "street": territory.s1.pk,
    }
    assert api.post("/api/v1/funding-sources/", body, format="json").status_code == 201
    response = api.post("/api/v1/funding-sources/", {**body, "street": territory.s2.pk}, format="json")
    assert (
        response.status_code == 400 and "street" in response.json()
    )  # another street: as if it did not exist
    assert api.post("/api/v1/funding-sources/", {**body, "street": None}, format="json").status_code == 403
    response = api.post("/api/v1/funding-sources/", {**body, "amount_held": "0"}, format="json")
    assert response.status_code == 400 and "amount_held" in response.json()
