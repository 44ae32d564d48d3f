"""The map of the neighbourhoods on the dashboards (issue 10, item 7): each neighbourhood at its
recorded location, coloured by the stage its latest project was in at the as-of date; the table
beside it; the neighbourhoods without a location counted; scoped like the page."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards import figures as f
from dashboards.figures import map as m
from governance.choices import RoleKind
from governance.models import Neighbourhood
from projects.choices import Stage
from projects.models import ProjectTransition
from tests.factories import neighbourhood_with_households
from tests.factories import staff_user
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
PERIOD = f.Period(year=YEAR, month=datetime.date(2025, 9, 1))
QUERY = f"?year={YEAR}&month=2025-09"


def aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def move(project, to, day):
    """A recorded stage move of `project` on `day`."""
    row = ProjectTransition.objects.create(project=project, from_stage=project.stage, to_stage=to)
    ProjectTransition.objects.filter(pk=row.pk).update(at=aware(day))


def place(hood, lat, lng):
    Neighbourhood.objects.filter(pk=hood.pk).update(latitude=Decimal(lat), longitude=Decimal(lng))


def project(code, year, hoods, street, *moves):
    p = ProjectFactory(code=code, year=year, lead_street=street, neighbourhoods=hoods)
    type(p).objects.filter(pk=p.pk).update(created_at=aware(datetime.date(year - 1, 12, 1)))
    for to, day in moves:
        move(p, to, day)
    return p


@pytest.fixture
def world(territory, users):
    """n111: construction (an older candidate project too); n121: consultation then, construction
    only after the as-of month; n211: cancelled project, so no project; ne (other district):
    aftercare; n112 (no location): tender; n122: a project of a later plan year only."""
    t = territory
    users.city = staff_user(RoleKind.CITY_OFFICIAL, None, "city")
    t.n112 = neighbourhood_with_households(t.c11, "新华二里")
    t.n122 = neighbourhood_with_households(t.c12, "东风二里")
    for hood, (lat, lng) in {
        t.n111: ("29.581000", "105.061000"),
        t.n121: ("29.590000", "105.070000"),
        t.n211: ("29.570000", "105.050000"),
        t.ne: ("29.700000", "105.200000"),
        t.n122: ("29.591000", "105.071000"),
    }.items():
        place(hood, lat, lng)
    project("OLD", YEAR - 2, [t.n111], t.s1)
    project("P111", YEAR, [t.n111], t.s1, (Stage.CONSULTATION, datetime.date(YEAR, 2, 1)),
            (Stage.TENDER, datetime.date(YEAR, 3, 1)), (Stage.CONSTRUCTION, datetime.date(YEAR, 4, 1)))
    project("P121", YEAR, [t.n121], t.s1, (Stage.CONSULTATION, datetime.date(YEAR, 2, 1)),
            (Stage.TENDER, datetime.date(YEAR, 10, 1)))
    project("P211", YEAR, [t.n211], t.s2, (Stage.CANCELLED, datetime.date(YEAR, 5, 1)))
    project("PE", YEAR - 1, [t.ne], t.ne.community.street, (Stage.AFTERCARE, datetime.date(YEAR - 1, 11, 1)))
    project("P112", YEAR, [t.n112], t.s1, (Stage.TENDER, datetime.date(YEAR, 6, 1)))
    project("LATER", YEAR + 1, [t.n122], t.s1, (Stage.CONSULTATION, datetime.date(YEAR, 7, 1)))
    return t


def stages_of(points):
    return {p.name: p.stage for p in points}


def test_each_neighbourhood_is_coloured_by_its_latest_projects_stage_at_the_as_of_date(world, users):
    figures = m.map_figures(users.superuser, f.Unit(f.CITY), PERIOD)
    assert stages_of(figures["points"]) == {
        "新华里": Stage.CONSTRUCTION,  # the year's project, not the older one
        "东风里": Stage.CONSULTATION,  # the tender came after September
        "北门里": m.NO_PROJECT,  # its project was cancelled
        "远郊里": Stage.AFTERCARE,  # an earlier plan year's project still counts
        "东风二里": m.NO_PROJECT,  # a later plan year's project does not
    }
    assert [p.name for p in figures["missing"]] == ["新华二里"]
    by_name = {p.name: p for p in figures["points"]}
    assert by_name["新华里"].colour == m.STAGE_COLOURS[Stage.CONSTRUCTION] == "#d9433b"
    assert by_name["新华里"].project_code == "P111"
    assert (by_name["新华里"].latitude, by_name["新华里"].longitude) == (Decimal("29.581000"), Decimal("105.061000"))
    assert [(s["stage"], s["count"]) for s in figures["stages"]] == [
        (Stage.CONSULTATION, 1), (Stage.CONSTRUCTION, 1), (Stage.AFTERCARE, 1), (m.NO_PROJECT, 2),
    ]
    # A year later the later project counts, and as of now P121 is in tender.
    later = f.Period(year=YEAR + 1, month=datetime.date(YEAR, 12, 1))
    assert stages_of(m.map_figures(users.superuser, f.Unit(f.CITY), later)["points"])["东风二里"] == Stage.CONSULTATION
    assert stages_of(m.map_figures(users.superuser, f.Unit(f.CITY), later)["points"])["东风里"] == Stage.TENDER


def test_every_map_category_has_a_colour_and_a_css_swatch():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "dashboards" / "dashboards.css").read_text(encoding="utf-8")
    assert set(m.STAGE_COLOURS) == set(m.MAP_STAGES)
    assert len(set(m.STAGE_COLOURS.values())) == len(m.MAP_STAGES)
    for stage, colour in m.STAGE_COLOURS.items():
        assert f".stage-{stage} {{ background: {colour}; }}" in css


def _page(client, url):
    response = client.get(url + QUERY)
    assert response.status_code == 200
    return response


def test_the_district_page_shows_the_map_its_table_and_the_missing_count(client, world, users):
    client.force_login(users.official)
    response = _page(client, reverse("dashboards:unit", args=["district", world.district.pk]))
    html = response.content.decode()
    assert "1 个小区未登记位置" in html
    table = response.context["map"]["table"]
    assert [row[0] for row in table.rows] == ["东风二里", "东风里", "北门里", "新华里"]  # not 远郊里 (other district)
    row = table.rows[3]
    assert row == ["新华里", "P111", "施工", "29.581000", "105.061000"]
    hood_url = reverse("dashboards:unit", args=["neighbourhood", world.n111.pk]) + QUERY
    assert f'<a href="{hood_url.replace("&", "&amp;")}">新华里</a>' in html
    # The chart's data: a series per stage with its colour; a click opens the neighbourhood's page.
    block = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', html, re.S)
    charts = json.loads(block.group(1))
    chart = charts["map"]
    assert chart["type"] == "map"
    series = {s["name"]: s for s in chart["series"]}
    assert series["施工"]["color"] == "#d9433b"
    assert series["施工"]["data"] == [[105.061, 29.581, world.n111.pk, "新华里"]]
    point = series["施工"]["data"][0]
    assert chart["link"]["prefix"] + str(point[2]) + chart["link"]["suffix"] == hood_url
    assert client.get(hood_url).status_code == 200


def test_the_street_and_community_pages_map_their_own_neighbourhoods(client, world, users):
    client.force_login(users.street)
    response = _page(client, reverse("dashboards:unit", args=["street", world.s1.pk]))
    assert {p.name for p in response.context["map"]["figures"]["points"]} == {"新华里", "东风里", "东风二里"}
    client.force_login(users.community)
    response = _page(client, reverse("dashboards:unit", args=["community", world.c11.pk]))
    assert [p.name for p in response.context["map"]["figures"]["points"]] == ["新华里"]
    assert response.context["map"]["missing"] == 1
    # The neighbourhood page has no map.
    response = _page(client, reverse("dashboards:unit", args=["neighbourhood", world.n111.pk]))
    assert "map" not in response.context and 'data-chart="map"' not in response.content.decode()


def test_the_city_page_maps_every_district(client, world, users):
    client.force_login(users.city)
    response = _page(client, reverse("dashboards:index"))
    assert "远郊里" in [p.name for p in response.context["map"]["figures"]["points"]]


@pytest.mark.parametrize(
    "who, level, place, status",
    [("official", "district", "other_district", 404), ("street", "street", "s2", 404), ("community", "community", "c12", 404)],
)
def test_the_map_export_is_scoped(client, world, users, who, level, place, status):
    client.force_login(getattr(users, who))
    url = reverse("dashboards:export", args=[level, getattr(world, place).pk, "map", "csv"])
    assert client.get(url + QUERY).status_code == status


def test_the_map_table_exports_every_row(client, world, users):
    client.force_login(users.official)
    url = reverse("dashboards:export", args=["district", world.district.pk, "map", "csv"])
    response = client.get(url + QUERY)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["小区", "项目编号", "阶段", "纬度", "经度"]
    assert len(rows) == 5 and rows[4] == ["新华里", "P111", "施工", "29.581000", "105.061000"]
    neighbourhood = reverse("dashboards:export", args=["neighbourhood", world.n111.pk, "map", "csv"])
    assert client.get(neighbourhood + QUERY).status_code == 404


def test_the_page_lists_the_first_rows_and_says_so(client, world, users, monkeypatch):
    monkeypatch.setattr(m, "TABLE_ROWS", 2)
    client.force_login(users.official)
    response = _page(client, reverse("dashboards:unit", args=["district", world.district.pk]))
    assert len(response.context["map"]["table"].body) == 2
    assert "列出前 2 个，共 4 个；完整列表请导出。" in response.content.decode()


def test_the_map_takes_one_query_at_two_data_sizes(world, users, territory):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            m.map_figures(users.official, f.Unit(f.DISTRICT, world.district), PERIOD)
        return len(captured)

    queries()  # the actor's roles, read once per user
    before = queries()
    for k in range(6):
        hood = neighbourhood_with_households(world.c21, f"加{k}", households=1)
        place(hood, "29.5", "105.0")
        project(f"X{k}", YEAR, [hood], world.s2, (Stage.CONSULTATION, datetime.date(YEAR, 2, 1)))
    assert queries() == before == 1
    assert len(m.map_figures(users.official, f.Unit(f.DISTRICT, world.district), PERIOD)["points"]) == 10
