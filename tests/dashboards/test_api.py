"""The dashboards API (issue 10, item 9): /api/v1/dashboards/ and /api/v1/dashboards/<level>/<id>/.
Who gets what (each role, the city official included, inside and outside its territory; anonymous
clients; users without a role), the JSON against the page's figures for the same unit and period,
the query count pinned at two data sizes, the query parameters' errors, and the schema."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import Promise
from rest_framework.test import APIClient

from dashboards import works
from dashboards.figures import units as f
from governance.choices import RoleKind
from projects.models import ProgressReport, Project
from tests.dashboards.helpers import LEVELS, UNIT_SCOPING, first_units
from tests.dashboards.test_pages_figures import generate
from tests.factories import UserFactory, staff_user
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

QUERY = "?year=2025&as_of=2025-09"
PAGE_QUERY = "?year=2025&month=2025-09"


def api(level=None, pk=None):
    if level is None:
        return reverse("api-dashboards")
    return reverse("api-dashboards-unit", args=[level, pk])


@pytest.fixture
def world(territory, users):
    users.city = staff_user(RoleKind.CITY_OFFICIAL, None, "city")
    t = territory
    today = datetime.date.today()
    t.p1 = ProjectFactory(
        code="P1", year=today.year, lead_street=t.s1, neighbourhoods=[t.n111],
        started_on=datetime.date(today.year, 1, 5), stage="construction",
    )
    t.pe = ProjectFactory(code="PE", year=today.year, lead_street=t.ne.community.street, neighbourhoods=[t.ne])
    return t


def client_of(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# The API adds the project level and the city official's other units to the shared table.
SCOPING = [
    *UNIT_SCOPING,
    ("superuser", "district", "other_district", 200),
    ("city", "district", "district", 200),
    ("city", "community", "ce", 200),
    ("city", "project", "pe", 200),
    ("official", "project", "p1", 200),
    ("official", "project", "pe", 404),
    ("street", "project", "p1", 200),
]


@pytest.mark.parametrize("who, level, place, status", SCOPING)
def test_each_role_inside_and_outside_its_territory(world, users, who, level, place, status):
    response = client_of(getattr(users, who)).get(api(level, getattr(world, place).pk))
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["unit"] == {"level": level, "id": getattr(world, place).pk, "name": response.json()["unit"]["name"]}


def test_outside_is_the_same_as_missing_even_with_a_bad_query(world, users):
    client = client_of(users.official)
    assert client.get(api("district", world.other_district.pk) + "?year=1").status_code == 404
    assert client.get(api("district", 999999)).status_code == 404
    assert client.get(api("city", 1)).status_code == 404
    assert client.get(api("planet", world.district.pk)).status_code == 404


@pytest.mark.parametrize("url", ["top", "unit"])
def test_anonymous_clients_and_users_without_a_role_are_refused(world, users, url):
    target = api() if url == "top" else api("district", world.district.pk)
    assert client_of(None).get(target).status_code in (401, 403)
    assert APIClient(HTTP_AUTHORIZATION="Token nonsense").get(target).status_code in (401, 403)
    assert client_of(users.nobody).get(target).status_code == 403  # signed in, no staff role


def test_the_api_is_read_only(world, users):
    for who in ("superuser", "street"):
        client = client_of(getattr(users, who))
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(api("district", world.district.pk), {}).status_code in (403, 405)
    # A role that writes elsewhere still cannot write here: the method is not allowed.
    assert client_of(users.superuser).post(api(), {}).status_code == 405


def test_the_top_unit_of_each_role(world, users):
    expected = {
        "official": ("district", world.district.pk, []),
        "street": ("street", world.s1.pk, []),
        "community": ("community", world.c11.pk, []),
        "city": ("city", None, []),
        "superuser": ("city", None, []),
    }
    for who, (level, pk, ancestors) in expected.items():
        body = client_of(getattr(users, who)).get(api()).json()
        assert (body["unit"]["level"], body["unit"]["id"], body["ancestors"]) == (level, pk, ancestors), who
    city = client_of(users.city).get(api()).json()
    assert city["unit"]["name"] == "全市"
    assert {c["name"] for c in city["children"]} == {world.district.name, world.other_district.name}
    # The way up starts at the actor's top unit, as the page's breadcrumb.
    body = client_of(users.street).get(api("neighbourhood", world.n111.pk)).json()
    assert [a["name"] for a in body["ancestors"]] == [world.s1.name, world.c11.name]
    body = client_of(users.city).get(api("neighbourhood", world.n111.pk)).json()
    assert [(a["level"], a["name"]) for a in body["ancestors"]] == [
        ("district", world.district.name), ("street", world.s1.name), ("community", world.c11.name),
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ("year=1999", "year"),
        ("year=2101", "year"),
        ("year=abc", "year"),
        ("as_of=2026-13", "as_of"),
        ("as_of=1999-12", "as_of"),
        ("as_of=2999-01", "as_of"),
        ("as_of=2026-1-1", "as_of"),
        ("as_of=" + "9" * 50, "as_of"),
    ],
)
def test_the_query_parameters_are_validated_and_name_the_field(world, users, query, field):
    for target in (api(), api("district", world.district.pk)):
        response = client_of(users.official).get(target + "?" + query)
        assert response.status_code == 400
        body = response.json()
        assert list(body) == [field] and body[field][0], body


def test_an_empty_query_means_this_month_and_its_year(world, users):
    body = client_of(users.official).get(api("district", world.district.pk)).json()
    today = datetime.date.today()
    assert body["period"]["year"] == today.year and body["period"]["month"] == today.replace(day=1).isoformat()
    assert body["period"]["as_of"] == today.isoformat()
    assert body["groups"]["planned"]["neighbourhoods"] == 1 and body["groups"]["started"]["households"] == 4


def same(page, answer, where="$"):
    """Whether the API's JSON `answer` carries the page's figures `page`: decimals as strings of
    the same value, dates as ISO strings, row ids as "id"."""
    if isinstance(page, Decimal):
        assert isinstance(answer, str) and Decimal(answer) == page, (where, page, answer)
    elif isinstance(page, datetime.date):
        assert answer == page.isoformat(), (where, page, answer)
    elif isinstance(page, Promise):
        assert answer == str(page), (where, page, answer)
    elif isinstance(page, dict):
        for key, value in page.items():
            same(value, answer["id" if key == "pk" else key], f"{where}.{key}")
    elif isinstance(page, (list, tuple)):
        assert len(page) == len(answer), (where, page, answer)
        for i, (a, b) in enumerate(zip(page, answer)):
            same(a, b, f"{where}[{i}]")
    else:
        assert page == answer, (where, page, answer)


def test_the_json_equals_the_pages_figures_for_the_same_unit_and_period(client):
    district = generate(seed=7)
    root = UserFactory(username="root", is_superuser=True)
    official = staff_user(RoleKind.DISTRICT_OFFICIAL, district, "official")
    street = district.streets.first()
    hood = street.communities.first().neighbourhoods.first()
    project = Project.objects.filter(neighbourhoods__community__street__district=district, year=2025).first()
    ProgressReport.objects.create(
        project=project, month=datetime.date(2025, 8, 1), percent_complete=40, investment_to_date=Decimal("1000.00"),
        pipes_water_km=Decimal("1.25"), elevators=2, greening_m2=Decimal("30.50"),
    )
    units = [("district", district.pk), ("street", street.pk), ("neighbourhood", hood.pk), ("project", project.pk)]
    for user in (root, official):
        client.force_login(user)
        pages = [(reverse("dashboards:index"), api())] if user is root else []
        pages += [(reverse("dashboards:unit", args=[lv, pk]), api(lv, pk)) for lv, pk in units]
        for page_url, api_url in pages:
            page = client.get(page_url + PAGE_QUERY)
            assert page.status_code == 200
            body = client_of(user).get(api_url + QUERY).json()
            figures = page.context["figures"]
            for key in ("groups", "rates", "years", "child_level", "children", "investment", "funnel", "projects"):
                same(figures[key], body[key], f"{page_url} {key}")
            assert body["period"] == {"year": page.context["period"].year, "month": "2025-09-01", "as_of": "2025-09-30"}
            if "map" in page.context:
                mapped = page.context["map"]
                assert body["map"]["missing_location"] == mapped["missing"]
                assert [p["id"] for p in body["map"]["points"]] == [p.pk for p in mapped["figures"]["points"]]
                same(mapped["figures"]["stages"], body["map"]["stages"])
            else:
                assert body["map"] is None
    # The works done: the district's totals and its streets' are the rollup's, decimals as strings.
    body = client_of(root).get(api("district", district.pk) + QUERY).json()
    tree = works.works_rollup(root, datetime.date(2025, 9, 1), level=works.DISTRICT, pk=district.pk, year=2025)
    expected = {name: tree.root.figures[name] for name in (*works.QUANTITY_FIELDS, works.REPORTING)}
    same(expected, body["works"]["totals"])
    assert body["works"]["totals"]["projects_reporting"] == 1 and body["works"]["totals"]["elevators"] == 2
    assert Decimal(body["works"]["totals"]["pipes_water_km"]) == Decimal("1.25")
    assert {c["id"] for c in body["works"]["children"]} == {c.pk for c in tree.root.children}
    project_body = client_of(root).get(api("project", project.pk) + "?as_of=2025-09").json()
    assert project_body["works"]["totals"]["elevators"] == 2 and project_body["works"]["children"] == []
    assert isinstance(project_body["investment"]["budget"], str)


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def test_each_answer_takes_the_same_number_of_queries_at_two_data_sizes():
    root = UserFactory(username="root", is_superuser=True)
    client = APIClient()
    client.force_login(root)  # the session, as a browser would call it
    small = generate(seed=1, districts=1, streets=1, communities=1, neighbourhoods=1)

    def urls(district):
        units = first_units(district)
        return {"top": api() + QUERY, **{level: api(level, units[level].pk) + QUERY for level in LEVELS}}

    before = {name: _queries(client, url) for name, url in urls(small).items()}
    big = generate(seed=2, districts=3, streets=3, communities=2, neighbourhoods=3)
    after = {name: _queries(client, url) for name, url in urls(big).items()}
    assert before == after
    # Pinned: the page's figures (the session and the user, the unit's row, the overview's 4;
    # a project's neighbourhood for the way up), the works done (2: the tree and the latest
    # reports; 1 for a project) and the map (1, from the city down to a community). (Down from
    # 11/12/12/12/11/10 when the overview took six queries, five at a project.)
    assert after == {"top": 9, "district": 10, "street": 10, "community": 10, "neighbourhood": 9, "project": 9}


def test_the_schema_describes_both_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    top = schema["paths"]["/api/v1/dashboards/"]["get"]
    unit = schema["paths"]["/api/v1/dashboards/{level}/{id}/"]["get"]
    assert set(top) >= {"parameters", "responses"} and "post" not in schema["paths"]["/api/v1/dashboards/"]
    assert {p["name"] for p in top["parameters"]} == {"year", "as_of"}
    assert {p["name"] for p in unit["parameters"]} == {"level", "id", "year", "as_of"}
    level = next(p for p in unit["parameters"] if p["name"] == "level")
    assert set(level["schema"]["enum"]) == {"district", "street", "community", "neighbourhood", "project"}
    components = schema["components"]["schemas"]
    answer = components["Dashboard"]["properties"]
    assert {"groups", "rates", "years", "children", "investment", "funnel", "works", "map"} <= set(answer)
    measures = components["DashboardMeasures"]["properties"]
    assert measures["floor_area"]["type"] == "string" and measures["floor_area"]["format"] == "decimal"
    works_figures = components["DashboardWorksFigures"]["properties"]
    assert set(works_figures) == {*ProgressReport.QUANTITY_FIELDS, "projects_reporting"}
