"""The officials' dashboards (issue 10, item 1): who sees which page, the drill-down and its
breadcrumb, the period filter, the exports."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from funding.models import Commitment, FundingSource
from governance.choices import RoleKind
from tests.dashboards.helpers import UNIT_SCOPING, download_name
from tests.factories import UserFactory, staff_user
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory, users):
    users.city = staff_user(RoleKind.CITY_OFFICIAL, None, "city")
    t = territory
    today = datetime.date.today()
    ProjectFactory(
        code="P1",
        name="=HYPERLINK(1)",
        year=today.year,
        lead_street=t.s1,
        neighbourhoods=[t.n111],
        started_on=datetime.date(today.year, 1, 5),
        stage="construction",
    )
    ProjectFactory(code="P2", year=today.year, lead_street=t.s2, neighbourhoods=[t.n211])
    ProjectFactory(code="PE", year=today.year, lead_street=t.ne.community.street, neighbourhoods=[t.ne])
    return t


def unit_url(level, pk):
    return reverse("dashboards:unit", args=[level, pk])


def test_anonymous_goes_to_the_login(client, world):
    for url in (reverse("dashboards:index"), unit_url("district", world.district.pk)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_a_user_without_a_role_is_refused(client, world, users):
    client.force_login(users.nobody)
    assert client.get(reverse("dashboards:index")).status_code == 403
    assert client.get(unit_url("district", world.district.pk)).status_code == 403


def test_each_role_lands_on_its_own_unit(client, world, users):
    expected = {
        users.official: unit_url("district", world.district.pk),
        users.street: unit_url("street", world.s1.pk),
        users.community: unit_url("community", world.c11.pk),
    }
    for user, url in expected.items():
        client.force_login(user)
        response = client.get(reverse("dashboards:index"))
        assert response.status_code == 302 and response["Location"] == url
    for user in (users.superuser, users.city):
        client.force_login(user)
        response = client.get(reverse("dashboards:index"))
        assert response.status_code == 200
        names = [c["name"] for c in response.context["figures"]["children"]]
        assert names == sorted([world.district.name, world.other_district.name])


SCOPING = [*UNIT_SCOPING, ("city", "neighbourhood", "ne", 200)]


@pytest.mark.parametrize("who, level, place, status", SCOPING)
def test_scoping_of_pages_and_exports(client, world, users, who, level, place, status):
    client.force_login(getattr(users, who))
    pk = getattr(world, place).pk
    assert client.get(unit_url(level, pk)).status_code == status
    export = reverse("dashboards:export", args=[level, pk, "progress", "csv"])
    assert client.get(export).status_code == status


def test_a_unit_that_does_not_exist_and_an_unknown_level_are_404(client, world, users):
    client.force_login(users.superuser)
    assert client.get(unit_url("district", 999999)).status_code == 404
    assert client.get(unit_url("planet", world.district.pk)).status_code == 404


def test_the_project_page_is_scoped(client, world, users):
    from projects.models import Project

    client.force_login(users.street)
    response = client.get(unit_url("project", Project.objects.get(code="P1").pk))
    assert response.status_code == 200
    crumbs = [c["name"] for c in response.context["breadcrumb"]]
    assert crumbs == [world.s1.name, world.c11.name, world.n111.name, str(Project.objects.get(code="P1"))]
    assert client.get(unit_url("project", Project.objects.get(code="P2").pk)).status_code == 404


def test_drill_down_and_breadcrumb(client, world, users):
    client.force_login(users.official)
    response = client.get(unit_url("district", world.district.pk))
    assert response.status_code == 200
    children = response.context["figures"]["children"]
    assert {c["name"] for c in children} == {world.s1.name, world.s2.name}
    html = response.content.decode()
    assert unit_url("street", world.s1.pk) in html
    response = client.get(unit_url("neighbourhood", world.n111.pk))
    crumbs = [c["name"] for c in response.context["breadcrumb"]]
    assert crumbs == [world.district.name, world.s1.name, world.c11.name, world.n111.name]
    assert "P1" in response.content.decode()
    # The street staff's breadcrumb starts at their street, never above it.
    client.force_login(users.street)
    response = client.get(unit_url("neighbourhood", world.n111.pk))
    assert [c["name"] for c in response.context["breadcrumb"]] == [world.s1.name, world.c11.name, world.n111.name]


def test_the_city_official_reads_everything_and_writes_nothing(world, users):
    from governance.models import Neighbourhood
    from governance.scoping import can_manage, scope

    assert scope(Neighbourhood.objects.all(), users.city).count() == Neighbourhood.objects.count()
    assert not scope(Neighbourhood.objects.all(), users.city, write=True).exists()
    assert not can_manage(users.city, world.n111)


@pytest.mark.parametrize(
    "query, field",
    [("year=1999", "year"), ("year=abc", "year"), ("month=2026-13", "month"), ("month=1999-12", "month"), ("month=2999-01", "month"), ("month=" + "9" * 50, "month")],
)
def test_the_period_filter_is_validated_and_bounded(client, world, users, query, field):
    client.force_login(users.official)
    response = client.get(unit_url("district", world.district.pk) + "?" + query)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_the_period_filter_selects_the_plan_year_and_the_as_of_month(client, world, users):
    client.force_login(users.official)
    today = datetime.date.today()
    response = client.get(unit_url("district", world.district.pk) + f"?year={today.year}")
    groups = response.context["figures"]["groups"]
    assert (groups["planned"]["neighbourhoods"], groups["started"]["neighbourhoods"]) == (2, 1)
    response = client.get(unit_url("district", world.district.pk) + f"?year={today.year - 1}")
    assert response.context["figures"]["groups"]["planned"]["neighbourhoods"] == 0
    # As of last December, this year's start (5 January) had not happened yet.
    response = client.get(unit_url("district", world.district.pk) + f"?year={today.year}&month={today.year - 1}-12")
    assert response.context["figures"]["groups"]["started"]["neighbourhoods"] == 0


def test_exports_have_chinese_headers_the_territory_and_date_in_the_name_and_no_formula(client, world, users):
    today = datetime.date.today()
    client.force_login(users.official)
    base = reverse("dashboards:export", args=["neighbourhood", world.n111.pk, "projects", "csv"])
    response = client.get(base + f"?year={today.year}&month={today.year}-{today.month:02d}")
    assert response.status_code == 200
    name = download_name(response)
    assert name.startswith(world.n111.name) and name.endswith(".csv") and str(today.year) in name
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["项目编号", "项目名称"]
    assert rows[1][1] == "'=HYPERLINK(1)"
    response = client.get(base.replace(".csv", ".xlsx"))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "项目编号" and values[1][1] == "'=HYPERLINK(1)"
    assert values[1][3] == 1000000  # money stays a number
    for table in ("progress", "years", "start_rate", "investment", "funnel"):
        for fmt in ("csv", "xlsx"):
            url = reverse("dashboards:export", args=["district", world.district.pk, table, fmt])
            response = client.get(url)
            assert response.status_code == 200, (table, fmt)
            assert download_name(response).startswith(world.district.name)
    assert client.get(reverse("dashboards:export", args=["district", world.district.pk, "progress", "pdf"])).status_code == 404
    assert client.get(reverse("dashboards:export", args=["district", world.district.pk, "nothing", "csv"])).status_code == 404


def test_a_superuser_gives_the_city_role_in_the_admin(client, world, users):
    from governance.models import StaffRole

    target = UserFactory(username="cityclerk")
    client.force_login(users.superuser)
    url = reverse("admin:auth_user_change", args=[target.pk])
    page = client.get(url)
    assert "city_official" in page.content.decode()
    prefix = "staff_roles"
    data = {
        "username": target.username,
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-kind": RoleKind.CITY_OFFICIAL,
        f"{prefix}-0-user": target.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    role = StaffRole.objects.get(user=target)
    assert role.kind == RoleKind.CITY_OFFICIAL and role.territory_id is None
    assert str(role) == "市住建局（全市只读）"
    client.force_login(target)
    assert client.get(unit_url("neighbourhood", world.ne.pk)).status_code == 200


def test_the_city_official_is_told_why_the_admin_refuses_a_write(client, world, users):
    client.force_login(users.city)
    url = reverse("admin:governance_neighbourhood_change", args=[world.ne.pk])
    assert client.get(url).status_code == 200  # reads every district
    response = client.post(url, {"name": "改名"})
    assert response.status_code == 403
    assert "您的角色（市住建局）只能查看全市数据" in response.content.decode()


def test_each_page_down_to_a_community_links_its_monthly_report(client, world, users):
    client.force_login(users.official)
    response = client.get(unit_url("district", world.district.pk), {"month": "2026-11", "year": 2026})
    link = response.context["report_url"]
    assert link == reverse("dashboards:monthly_report", args=["2026-11"]) + f"?territory=district%3A{world.district.pk}"
    assert link.replace("&", "&amp;") in response.content.decode()
    workbook = client.get(link)
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames
    street = client.get(unit_url("street", world.s1.pk)).context["report_url"]
    assert f"territory=street%3A{world.s1.pk}" in street and client.get(street).status_code == 200
    assert client.get(unit_url("neighbourhood", world.n111.pk)).context["report_url"] is None
