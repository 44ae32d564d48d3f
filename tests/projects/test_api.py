"""The projects API: scoping (404 outside the territory), filters, the transition action's 409 with
every reason, writes through the services, and pinned query counts."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from projects.choices import Stage
from projects.models import CatalogueItem, Project, SupervisionFinding

from .factories import CatalogueItemFactory, ProjectFactory
from .helpers import project_api_body, ready_project, scope_line


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


@pytest.fixture
def projects(projects, territory):
    """tests/projects/conftest.py's three, and one in the other district."""
    t = territory
    return {**projects, "pe": ProjectFactory(code="PE", lead_street=t.ce.street, neighbourhoods=[t.ne], year=2025)}


def _codes(response):
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["results"])


@pytest.mark.django_db
def test_project_list_and_detail_are_scoped(api, users, projects):
    assert _codes(_as(api, users.community).get("/api/v1/projects/")) == ["P1"]
    assert _codes(_as(api, users.street).get("/api/v1/projects/")) == ["P1", "P2"]
    assert _codes(_as(api, users.official).get("/api/v1/projects/")) == ["P1", "P2", "P3"]
    assert _codes(_as(api, users.superuser).get("/api/v1/projects/")) == ["P1", "P2", "P3", "PE"]
    community = _as(api, users.community)
    assert community.get(f"/api/v1/projects/{projects['p1'].pk}/").status_code == 200
    for key in ("p2", "p3", "pe"):  # another community's project: 404, not 403
        assert community.get(f"/api/v1/projects/{projects[key].pk}/").status_code == 404
        response = community.post(
            f"/api/v1/projects/{projects[key].pk}/transition/", {"to": "suspended", "note": "x"}
        )
        assert response.status_code == 404
    api.force_authenticate(None)
    assert api.get("/api/v1/projects/").status_code in (401, 403)
    assert _as(APIClient(), users.nobody).get("/api/v1/projects/").status_code == 403


@pytest.mark.django_db
def test_filters_stage_year_street_community(api, territory, users, projects):
    Project.objects.filter(pk=projects["p2"].pk).update(stage=Stage.TENDER)
    official = _as(api, users.official)
    assert _codes(official.get("/api/v1/projects/", {"stage": "tender"})) == ["P2"]
    assert _codes(official.get("/api/v1/projects/", {"stage": ["tender", "candidate"]})) == ["P1", "P2", "P3"]
    assert _codes(official.get("/api/v1/projects/", {"year": 2025})) == ["P2", "P3"]
    assert _codes(official.get("/api/v1/projects/", {"street": territory.s1.pk})) == ["P1", "P2"]  # P1 once
    assert _codes(official.get("/api/v1/projects/", {"community": territory.c12.pk})) == ["P1", "P2"]
    assert _codes(official.get("/api/v1/projects/", {"community": territory.ce.pk})) == []  # still scoped


@pytest.mark.django_db
def test_transition_answers_409_with_every_reason_then_moves(api, territory, users, projects):
    p1 = projects["p1"]
    Project.objects.filter(pk=p1.pk).update(stage=Stage.TENDER)
    street = _as(api, users.street)
    url = f"/api/v1/projects/{p1.pk}/transition/"
    response = street.post(url, {"to": "construction"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "reasons": ["未填写施工单位。", "未填写监理单位。", "未填写合同金额。", "未填写实际开工日期。"]
    }
    response = street.post(url, {"to": "closed"}, format="json")
    assert response.status_code == 409 and response.json()["reasons"] == ["不能从“招投标”变更为“已结项”。"]
    assert street.post(url, {"to": "nowhere"}, format="json").status_code == 400
    response = street.post(url, {"to": "suspended", "note": "招标流标"}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "suspended"
    detail = street.get(f"/api/v1/projects/{p1.pk}/").json()
    assert detail["stage_before_suspension"] == "tender"
    assert detail["transitions"] == [
        {
            "from_stage": "tender",
            "to_stage": "suspended",
            "actor": "street1",
            "at": detail["transitions"][0]["at"],
            "note": "招标流标",
        }
    ]
    official = _as(APIClient(), users.official)
    assert official.post(url, {"to": "tender"}, format="json").status_code == 403  # read-only role


@pytest.mark.django_db
def test_token_authentication(territory, users, projects):
    token = Token.objects.create(user=users.community)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert _codes(client.get("/api/v1/projects/")) == ["P1"]


@pytest.mark.django_db
def test_creating_a_project_and_its_scope_through_the_services(api, territory, users):
    street = _as(api, users.street)
    body = project_api_body(territory, "API-1", "接口项目", "1500000.00")
    response = street.post(
        "/api/v1/projects/", {**body, "neighbourhoods": [territory.n211.pk]}, format="json"
    )
    assert response.status_code == 400 and "neighbourhoods" in response.json()
    response = street.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 201, response.content
    project = Project.objects.get(code="API-1")
    assert response.json()["household_count"] == 4 and response.json()["stage"] == "candidate"
    response = street.post("/api/v1/projects/", {**body, "stage": "closed", "code": "API-2"}, format="json")
    assert response.json()["stage"] == "candidate"  # the stage moves only through transition

    roads = CatalogueItem.objects.get(code="roads")
    line = {
        "project": project.pk,
        "neighbourhood": territory.n111.pk,
        "catalogue_item": roads.pk,
        "planned_quantity": "12.50",
    }
    response = street.post("/api/v1/scope-items/", line, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["planned_amount"] == "2250.00" and response.json()["unit_cost"] == "180.00"
    response = street.post(
        "/api/v1/scope-items/", {**line, "neighbourhood": territory.n121.pk}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"neighbourhood": ["该小区不在本项目中。"]}
    foreign = CatalogueItemFactory(district=territory.other_district)
    response = street.post("/api/v1/scope-items/", {**line, "catalogue_item": foreign.pk}, format="json")
    assert response.status_code == 400 and "catalogue_item" in response.json()
    response = street.post(
        "/api/v1/progress-reports/",
        {"project": project.pk, "month": "2026-05-01", "percent_complete": "10", "investment_to_date": "1"},
        format="json",
    )
    assert response.status_code == 400 and "储备" in response.json()["non_field_errors"][0]


@pytest.mark.django_db
def test_findings_and_notices_through_the_api(api, territory, users):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    community = _as(api, users.community)
    response = community.post(
        "/api/v1/findings/",
        {
            "project": project.pk,
            "source": "resident_supervisor",
            "supervisor_name": "王大爷",
            "severity": "major",
            "description": "雨水篦子缺失",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    finding_id = response.json()["id"]
    assert community.get("/api/v1/findings/", {"open": "true"}).json()["count"] == 1
    assert (
        community.post(
            f"/api/v1/findings/{finding_id}/resolve/", {"resolution_note": ""}, format="json"
        ).status_code
        == 400
    )
    response = community.post(
        f"/api/v1/findings/{finding_id}/resolve/", {"resolution_note": "已补装"}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_open"] is False
    assert SupervisionFinding.objects.get().resolution_note == "已补装"
    response = community.post(
        "/api/v1/notices/",
        {
            "project": project.pk,
            "kind": "plan",
            "title": "方案公示",
            "body": "内容",
            "starts_on": "2026-03-01",
            "ends_on": "2026-02-01",
        },
        format="json",
    )
    assert response.status_code == 400 and response.json() == {
        "ends_on": ["公示结束（2026-02-01）不能早于公示开始（2026-03-01）。"]
    }  # named by its field (issue 11, item 6), not the constraint's message for the whole row
    other = ProjectFactory(lead_street=territory.s2, neighbourhoods=[territory.n211])
    response = community.post(
        "/api/v1/notices/",
        {
            "project": other.pk,
            "kind": "plan",
            "title": "t",
            "body": "b",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-08",
        },
        format="json",
    )
    assert response.status_code == 400 and "project" in response.json()  # not found in the territory


@pytest.mark.django_db
def test_catalogue_items_are_the_national_menu_and_the_districts_own(api, territory, users):
    own = CatalogueItemFactory(code="d_own", district=territory.district)
    foreign = CatalogueItemFactory(code="e_other", district=territory.other_district)
    assert _as(api, users.community).get(f"/api/v1/catalogue-items/{foreign.pk}/").status_code == 404
    assert _as(api, users.community).get(f"/api/v1/catalogue-items/{own.pk}/").status_code == 200
    response = _as(api, users.community).get("/api/v1/catalogue-items/", {"page_size": 100})
    codes = {row["code"] for row in response.json()["results"]}
    assert response.json()["count"] == 40 and own.code in codes and "e_other" not in codes
    basic = _as(api, users.community).get("/api/v1/catalogue-items/", {"work_class": "basic"}).json()
    assert basic["count"] == 16  # 15 national basic items and the district's own (basic by default)
    assert _as(APIClient(), users.nobody).get("/api/v1/catalogue-items/").status_code == 403


@pytest.mark.django_db
def test_other_lists_are_scoped(api, territory, users):
    mine = ready_project(territory)
    theirs = ProjectFactory(lead_street=territory.s2, neighbourhoods=[territory.n211])
    scope_line(theirs, territory.n211, "gas", "1", "1")
    community = _as(api, users.community)
    for endpoint, expected in (("scope-items", 1), ("notices", 1)):
        rows = community.get(f"/api/v1/{endpoint}/").json()["results"]
        assert [row["project"] for row in rows] == [mine.pk] * expected, endpoint
    assert _as(APIClient(), users.superuser).get("/api/v1/scope-items/").json()["count"] == 2


def _many_projects(territory, n=6):
    for i in range(n):
        project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121])
        Project.objects.filter(pk=project.pk).update(stage=Stage.CONSULTATION)
        project.transitions.create(from_stage="candidate", to_stage="consultation", note=str(i))


@pytest.mark.django_db
def test_project_list_query_count_is_pinned(api, territory, users, django_assert_num_queries):
    _many_projects(territory, 2)
    client = APIClient()
    client.force_login(users.street)  # a real session: each request loads the user and its roles
    client.get("/api/v1/projects/")  # the page's statement prepared on this connection (once)
    # session · user · roles (territory) · page with its neighbourhoods' totals: a first page that
    # holds every row is its own count (governance.api.pagination)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/projects/").json()["count"] == 2
    _many_projects(territory, 6)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/projects/").json()["count"] == 8


@pytest.mark.django_db
def test_project_list_first_page_statement_is_compiled_once_per_territory(territory, users, city, projects):
    """governance.api.compiled: the unfiltered list's first page runs the statement the ORM compiled
    for the role's scoped queryset, kept for its territory: every role reads what scope() gives,
    again from the kept statement; a role added is a new territory, read through a new statement."""
    from governance.api import compiled
    from governance.choices import RoleKind
    from governance.models import StaffRole
    from governance.scoping import scope
    from projects.api.serializers import PROJECT_LIST_VALUES

    def expected(user):
        source = Project.objects.annotate_neighbourhood_totals().order_by("-year", "code")
        return [row["code"] for row in scope(source, user).values(*PROJECT_LIST_VALUES)]

    compiled._STATEMENTS.clear()
    # On SQLite the page's dates and decimals need Django's converters: nothing is kept there.
    kept = 1 if connection.vendor == "postgresql" else 0
    roles = ("superuser", "city", "official", "street", "community")
    for role in roles:
        user = getattr(users, role)
        for _ in range(2):
            listed = _as(APIClient(), user).get("/api/v1/projects/").json()
            assert [row["code"] for row in listed["results"]] == expected(user), role
            assert listed["count"] == len(expected(user))
    assert len(compiled._STATEMENTS) == kept * len(roles)
    assert [row["code"] for row in _as(APIClient(), users.community).get("/api/v1/projects/").json()["results"]] == ["P1"]
    StaffRole.objects.create(user=users.community, kind=RoleKind.COMMUNITY_STAFF, community=territory.c21)
    fresh = type(users.community).objects.get(pk=users.community.pk)  # a new request's user
    listed = _as(APIClient(), fresh).get("/api/v1/projects/").json()["results"]
    assert sorted(row["code"] for row in listed) == sorted(expected(fresh)) == ["P1", "P3"]
    assert len(compiled._STATEMENTS) == kept * (len(roles) + 1)
    # A filter, or another page, is read through the ORM as before.
    assert _codes(_as(APIClient(), fresh).get("/api/v1/projects/?page=1&stage=consultation")) == sorted(
        code for code in expected(fresh) if Project.objects.get(code=code).stage == "consultation"
    )
    assert len(compiled._STATEMENTS) == kept * (len(roles) + 1)


@pytest.mark.django_db
def test_project_list_pages_count_and_link_as_drf_does(territory, users, monkeypatch, django_assert_num_queries):
    from governance.api.pagination import FirstPageCountPagination

    monkeypatch.setattr(FirstPageCountPagination, "page_size", 3)
    _many_projects(territory, 7)
    client = APIClient()
    client.force_login(users.street)
    codes = list(Project.objects.order_by("-year", "code").values_list("code", flat=True))
    client.get("/api/v1/projects/")  # the page's statement prepared on this connection (once)
    # session · user · roles · page with its neighbourhoods' totals (4 rows read: more than one
    # page) · count
    with django_assert_num_queries(5):
        first = client.get("/api/v1/projects/").json()
    assert first["count"] == 7 and first["previous"] is None and first["next"].endswith("?page=2")
    assert [row["code"] for row in first["results"]] == codes[:3]
    last = client.get("/api/v1/projects/?page=3").json()
    assert last["count"] == 7 and last["next"] is None and [row["code"] for row in last["results"]] == codes[6:]
    assert client.get("/api/v1/projects/?page=4").status_code == 404
    filtered = client.get(f"/api/v1/projects/?year={Project.objects.first().year}&page=1").json()
    assert filtered["count"] == 7
    assert client.get("/api/v1/projects/?stage=closed").json() == {
        "count": 0, "next": None, "previous": None, "results": []
    }


@pytest.mark.django_db
def test_project_list_rows_are_the_serializers(territory, users):
    """The list's rows (project_list_rows) hold exactly what ProjectSerializer gives, with every
    kind of value: empty and filled dates and amounts, a suspended project, no neighbourhood."""
    import datetime

    from projects.api.serializers import ProjectSerializer

    full = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n121, territory.n111])
    Project.objects.filter(pk=full.pk).update(
        stage=Stage.SUSPENDED,
        stage_before_suspension=Stage.CONSTRUCTION,
        contract_amount=Decimal("1234567.5"),
        budget=Decimal("99999999.99"),
        contractor="甜城建工",
        planned_start_on=datetime.date(2026, 3, 1),
        planned_end_on=datetime.date(2026, 12, 31),
        started_on=datetime.date(2026, 3, 2),
        completed_on=datetime.date(2026, 12, 30),
    )
    ProjectFactory(lead_street=territory.s2, neighbourhoods=[territory.n211])
    ProjectFactory(lead_street=territory.s2, neighbourhoods=[])
    client = APIClient()
    client.force_login(users.superuser)
    listed = client.get("/api/v1/projects/").json()["results"]
    request = client.get("/api/v1/projects/").wsgi_request
    expected = ProjectSerializer(
        Project.objects.prefetch_related("neighbourhoods").annotate_coverage().order_by("-year", "code"),
        many=True,
        context={"request": request},
    ).data
    assert len(listed) == 3
    assert listed == json.loads(JSONRenderer().render(expected))
    assert listed[[row["id"] for row in listed].index(full.pk)]["household_count"] == 8


@pytest.mark.django_db
def test_project_detail_query_count_is_pinned(api, territory, users, django_assert_num_queries):
    _many_projects(territory, 1)
    project = Project.objects.get()
    for i in range(5):
        project.transitions.create(
            from_stage="consultation", to_stage="suspended", note=str(i), actor=users.street
        )
    client = APIClient()
    client.force_login(users.street)
    # session · user · roles (territory) · the project · neighbourhoods · transitions with their actors
    with django_assert_num_queries(6):
        assert len(client.get(f"/api/v1/projects/{project.pk}/").json()["transitions"]) == 6


@pytest.mark.django_db
def test_recording_the_tender_then_moving_to_construction(api, territory, users):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121])
    Project.objects.filter(pk=project.pk).update(stage=Stage.TENDER)
    community = _as(api, users.community)  # manages n111, one of the two neighbourhoods
    url = f"/api/v1/projects/{project.pk}/"
    response = community.patch(url, {"neighbourhoods": [territory.n111.pk, territory.n211.pk]}, format="json")
    assert response.status_code == 400  # n211 is not the community's: not even found
    assert "neighbourhoods" in response.json()
    response = community.patch(
        url,
        {
            "contractor": "甜城建工",
            "supervisor": "甜城监理",
            "contract_amount": "880000.00",
            "started_on": "2026-04-01",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["neighbourhoods"]) == sorted([territory.n111.pk, territory.n121.pk])
    street = _as(APIClient(), users.street)
    response = street.post(f"{url}transition/", {"to": "construction"}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "construction"


def test_the_schema_describes_the_transition_action():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/projects/{id}/transition/"]["post"]
    assert set(operation["responses"]) == {"200", "409"}


@pytest.mark.django_db
def test_every_endpoint_answers_404_for_another_communitys_rows(api, territory, users):
    theirs = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n121])  # c12, same street
    Project.objects.filter(pk=theirs.pk).update(stage=Stage.CONSTRUCTION)
    rows = {
        "scope-items": scope_line(theirs, territory.n121, "gas", "1", "1"),
        "progress-reports": theirs.progress_reports.create(
            month="2026-05-01", percent_complete=Decimal("10"), investment_to_date=Decimal("1")
        ),
        "findings": SupervisionFinding.objects.create(
            project=theirs, source="staff", description="x", opened_at="2026-05-02T09:00:00+08:00"
        ),
        "notices": theirs.notices.create(
            kind="plan", title="t", body="b", starts_on="2026-05-01", ends_on="2026-05-08"
        ),
    }
    community, street = _as(api, users.community), _as(APIClient(), users.street)
    for endpoint, row in rows.items():
        url = f"/api/v1/{endpoint}/{row.pk}/"
        assert street.get(url).status_code == 200, endpoint  # the street sees it
        assert community.get(url).status_code == 404, endpoint
        assert community.patch(url, {"note": "x"}, format="json").status_code == 404, endpoint
    resolve = f"/api/v1/findings/{rows['findings'].pk}/resolve/"
    assert community.post(resolve, {"resolution_note": "y"}, format="json").status_code == 404
    assert SupervisionFinding.objects.get().resolved_at is None
