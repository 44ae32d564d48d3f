"""The monthly report (dashboards.report): its layout, its numbers against the works rollup and
hand-counted figures, a past month unchanged cell for cell by later records, the download's
scoping, and the management command."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards.report import RATES, UNIT_FIGURES, monthly_report, report_xlsx
from dashboards.works import DISTRICT, NEIGHBOURHOOD, QUANTITY_FIELDS, STREET, works_rollup
from funding.models import Commitment, CommitmentReversal, Disbursement, FundingSource
from projects.choices import Stage
from projects.models import ProgressReport, Project, ProjectTransition
from residents.models import Household
from tests.factories import HouseholdFactory, StairwellFactory
from tests.projects.factories import ProjectFactory

NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)


def at(year, month, day):
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


def move(project, *steps):
    """Record the project's transitions (to_stage, aware datetime) and leave it in the last stage."""
    before = Stage.CANDIDATE
    for to_stage, when in steps:
        t = ProjectTransition.objects.create(project=project, from_stage=before, to_stage=to_stage)
        ProjectTransition.objects.filter(pk=t.pk).update(at=when)
        before = to_stage
    Project.objects.filter(pk=project.pk).update(stage=before)


def report(project, month, **quantities):
    return ProgressReport.objects.create(
        project=project,
        month=month,
        percent_complete=quantities.pop("percent", 50),
        investment_to_date=quantities.pop("investment", Decimal("1000.00")),
        **quantities,
    )


def commit(source, project, amount, on):
    return Commitment.objects.create(source=source, project=project, amount=Decimal(amount), committed_on=on)


@pytest.fixture
def world(territory, users):
    t = territory
    Household.objects.update(created_at=at(2026, 1, 10))
    started = [(Stage.CONSULTATION, at(2026, 3, 1)), (Stage.TENDER, at(2026, 5, 1))]
    p1 = ProjectFactory(
        code="P1", year=2026, lead_street=t.s1, neighbourhoods=[t.n111], budget=Decimal("800000.00")
    )
    move(p1, *started, (Stage.CONSTRUCTION, at(2026, 7, 10)))
    Project.objects.filter(pk=p1.pk).update(started_on=datetime.date(2026, 7, 10))
    # Bundled over two communities of street 1: its home is n111 (the lower id in the lead street).
    p2 = ProjectFactory(code="P2", year=2026, lead_street=t.s1, neighbourhoods=[t.n121, t.n111])
    move(p2, *started, (Stage.CONSTRUCTION, at(2026, 9, 1)), (Stage.ACCEPTANCE, at(2026, 11, 20)))
    p3 = ProjectFactory(code="P3", year=2026, lead_street=t.s2, neighbourhoods=[t.n211])
    move(p3, *started, (Stage.CONSTRUCTION, at(2026, 12, 1)))  # after November
    p4 = ProjectFactory(code="P4", year=2026, lead_street=t.ce.street, neighbourhoods=[t.ne])
    move(p4, *started, (Stage.CONSTRUCTION, at(2026, 6, 1)))
    old = ProjectFactory(code="P0", year=2025, lead_street=t.s1, neighbourhoods=[t.n111])  # another plan year
    move(old, (Stage.CONSTRUCTION, at(2025, 6, 1)))
    gone = ProjectFactory(code="PX", year=2026, lead_street=t.s2, neighbourhoods=[t.n211])
    move(gone, (Stage.CANCELLED, at(2026, 10, 1)))
    Project.objects.update(created_at=at(2026, 1, 15))

    report(p1, datetime.date(2026, 8, 1), facades_m2=100, lights=2, percent=10)
    report(p1, datetime.date(2026, 10, 1), facades_m2=400, lights=5, roads_m2=Decimal("12.50"), percent=40,
           investment=Decimal("320000.00"))
    report(p2, NOV, greening_m2=Decimal("75.25"), security_fire_systems=3, elevators=1, percent=100,
           investment=Decimal("990000.00"))
    report(p4, datetime.date(2026, 9, 1), facades_m2=999, lights=9)
    report(old, NOV, facades_m2=7, lights=7)
    report(gone, datetime.date(2026, 9, 1), facades_m2=5)

    source = FundingSource.objects.create(
        name="中央补助", kind="central", provider="财政部", amount_held=Decimal("5000000.00"), district=t.district
    )
    c1 = commit(source, p1, "500000.00", datetime.date(2026, 8, 5))
    Disbursement.objects.create(commitment=c1, amount=Decimal("200000.00"), paid_on=datetime.date(2026, 9, 1),
                                payee="施工单位", voucher_number="V1")
    commit(source, p2, "1000000.00", datetime.date(2026, 11, 30))
    Commitment.objects.update(created_at=at(2026, 11, 30))
    Disbursement.objects.update(created_at=at(2026, 11, 30))
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "source": source, "c1": c1}


def workbook(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def cells(data):
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook(data).worksheets}


@pytest.mark.django_db
def test_layout_and_totals(world, users):
    book = cells(report_xlsx(monthly_report(users.superuser, NOV)))
    assert list(book) == ["说明", "区汇总", "街道汇总", "小区汇总", "项目基本情况"]
    assert "2026-11" in book["说明"][0][0] and book["说明"][2] == ["报告期", "2026-11"]
    headers = book["区汇总"][1]
    for header in ("区", "计划改造小区数(个)", "开工率(按户,%)", "已落实资金(元)", "资金缺口(元)",
                   "外墙改造(平方米)", "照明灯具(盏)", "绿化(平方米)", "安防消防设施(套)", "拆除违法建设(平方米)"):
        assert header in headers
    assert book["街道汇总"][1][:3] == ["序号", "区", "街道"]
    assert book["小区汇总"][1][:5] == ["序号", "区", "街道", "社区", "小区"]
    assert book["项目基本情况"][1][:3] == ["序号", "项目编号", "项目名称"]
    rates = {str(label) for name, label in UNIT_FIGURES if name in RATES} | {"形象进度(%)"}
    for title in ("区汇总", "街道汇总", "小区汇总", "项目基本情况"):
        rows = book[title]
        header, data, total = rows[1], rows[2:-1], rows[-1]
        assert total[0] == "合计" and data
        summed = 0
        for column, name in enumerate(header):
            if column == 0 or name in rates or total[column] in ("", None):
                continue
            assert total[column] == pytest.approx(sum(row[column] or 0 for row in data)), (title, name)
            summed += 1
        assert summed >= 20


@pytest.mark.django_db
def test_numbers_equal_the_works_rollup_and_the_hand_count(world, users, territory):
    t = territory
    result = monthly_report(users.superuser, NOV)
    # The report leaves out the projects cancelled by the month's end (PX), the works page does not.
    works = works_rollup(users.superuser, NOV, projects=Project.objects.filter(year=2026).exclude(code="PX"))
    for level in (DISTRICT, STREET, NEIGHBOURHOOD):
        for unit in result.tree.level(level):
            for name in QUANTITY_FIELDS:
                assert unit.figures[name] == works.get(level, unit.pk).figures[name], (unit.name, name)
    # Read from the workbook: the sheet's rows are the report's units.
    streets = {row[2]: row for row in cells(report_xlsx(result))["街道汇总"][2:-1]}
    header = cells(report_xlsx(result))["街道汇总"][1]
    s1 = dict(zip(header, streets["玉溪街道"]))
    assert s1["计划项目数(个)"] == 2  # P1, P2 (P0 another year, PX cancelled)
    assert s1["计划改造小区数(个)"] == 3  # P1's one and P2's two
    assert s1["计划改造户数(户)"] == 4 + 8
    assert s1["已开工户数(户)"] == 12 and s1["已完工户数(户)"] == 8
    assert s1["外墙改造(平方米)"] == 400 and s1["照明灯具(盏)"] == 5  # P1's October report
    assert s1["绿化(平方米)"] == pytest.approx(75.25) and s1["安防消防设施(套)"] == 3
    assert s1["已落实资金(元)"] == 1500000 and s1["已拨付资金(元)"] == 200000
    assert s1["资金缺口(元)"] == 300000  # P1 lacks 300,000; P2 is over-covered
    assert s1["累计完成投资(元)"] == 320000 + 990000
    s2 = dict(zip(header, streets["桂湖街道"]))
    assert s2["已开工小区数(个)"] == 0 and s2["开工率(按小区,%)"] == 0
    assert s2["外墙改造(平方米)"] == 0  # the cancelled project's works are not in the plan
    districts = cells(report_xlsx(result))["区汇总"]
    d = next(dict(zip(districts[1], row)) for row in districts[2:] if row[1] == "甜城区")
    assert d["开工率(按小区,%)"] == pytest.approx(75.0)  # 3 of 4 neighbourhoods of the district's plan
    projects = {row[1]: dict(zip(cells(report_xlsx(result))["项目基本情况"][1], row))
                for row in cells(report_xlsx(result))["项目基本情况"][2:-1]}
    assert set(projects) == {"P1", "P2", "P3", "P4"}
    assert projects["P2"]["小区"] == t.n111.name and projects["P2"]["月末阶段"] == "竣工验收"
    assert projects["P3"]["月末阶段"] == "招投标" and projects["P3"]["实际开工日期"] is None


@pytest.mark.django_db
def test_a_past_month_is_unchanged_by_later_records(world, users, territory):
    t = territory
    before = cells(report_xlsx(monthly_report(users.superuser, NOV)))
    p1, p2 = world["p1"], world["p2"]
    # December: reports, a stage, money, a reversal of a November commitment, households, a project.
    report(p1, DEC, facades_m2=900, lights=12, percent=80)
    report(world["p3"], DEC, facades_m2=50)
    move(p1, (Stage.ACCEPTANCE, timezone.now()))
    c = commit(world["source"], p2, "50000.00", DEC)
    november = Commitment.objects.get(project=p2, amount=1000000)
    CommitmentReversal.objects.create(commitment=november, reason="金额有误")
    stairwell = StairwellFactory(building__neighbourhood=t.n111, building__name="9栋", name="1单元")
    HouseholdFactory(stairwell=stairwell, room="901", floor=9)
    ProjectFactory(code="P9", year=2026, lead_street=t.s1, neighbourhoods=[t.n111])
    assert c.pk
    after = cells(report_xlsx(monthly_report(users.superuser, NOV)))
    assert after == before
    december = cells(report_xlsx(monthly_report(users.superuser, DEC)))
    assert december != before  # the later records are read by the later month: the test can fail


@pytest.mark.django_db
def test_fixed_number_of_queries(world, users, territory):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            monthly_report(users.superuser, NOV)
        return len(ctx.captured_queries)

    small = count()
    for i in range(6):
        p = ProjectFactory(code=f"Q{i}", year=2026, lead_street=territory.s2, neighbourhoods=[territory.n211])
        report(p, NOV, lights=i)
    assert count() == small == 3


@pytest.mark.django_db
def test_download_is_staff_only_and_scoped(world, users, territory, client):
    t = territory
    url = reverse("dashboards:monthly_report", args=["2026-11"])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(users.official)
    response = client.get(url)
    assert response.status_code == 200
    assert "2026-11" in response["Content-Disposition"] and "%E7%94%9C%E5%9F%8E%E5%8C%BA" in (
        response["Content-Disposition"]
    )  # 甜城区, the official's district
    book = cells(response.content)
    assert book["街道汇总"][1][:2] == ["序号", "街道"]  # the district is the root: no district column
    assert sorted(row[1] for row in book["街道汇总"][2:-1]) == sorted(["桂湖街道", "玉溪街道"])
    assert "远郊里" not in str(book)
    assert client.get(url, {"territory": f"street:{t.s1.pk}"}).status_code == 200
    for territory_param in (f"district:{t.other_district.pk}", "district:999999", "building:1", "street:x"):
        assert client.get(url, {"territory": territory_param}).status_code == 404
    assert client.get(reverse("dashboards:monthly_report", args=["2026-13"])).status_code == 404
    client.force_login(users.street)
    assert client.get(url, {"territory": f"district:{t.district.pk}"}).status_code == 404
    own = client.get(url)
    assert own.status_code == 200 and "%E7%8E%89%E6%BA%AA" in own["Content-Disposition"]  # 玉溪街道
    assert "桂湖街道" not in str(cells(own.content))
    client.force_login(users.nobody)
    assert client.get(url).status_code in (302, 404)


@pytest.mark.django_db
def test_command_writes_the_workbook(world, territory, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command("monthly_report", "--month", "2026-11", "--territory", f"district:{territory.district.pk}",
                 "-o", str(out), stdout=io.StringIO())
    book = cells(out.read_bytes())
    assert list(book) == ["说明", "区汇总", "街道汇总", "小区汇总", "项目基本情况"]
    assert book["区汇总"][2][1] == territory.district.name
    with pytest.raises(CommandError, match="month"):
        call_command("monthly_report", "--month", "11/2026", "-o", str(out))
    with pytest.raises(CommandError, match="territory"):
        call_command("monthly_report", "--month", "2026-11", "--territory", "district:999999", "-o", str(out))


@pytest.mark.django_db
def test_text_cells_are_neutralised(world, users):
    Project.objects.filter(code="P1").update(name="=HYPERLINK(\"http://x\",\"点击\")")
    book = cells(report_xlsx(monthly_report(users.superuser, NOV)))
    names = [row[2] for row in book["项目基本情况"][2:-1]]
    assert "'=HYPERLINK(\"http://x\",\"点击\")" in names


@pytest.mark.django_db
def test_command_reads_as_a_user(world, users, territory, tmp_path):
    out = tmp_path / "street.xlsx"
    call_command("monthly_report", "--month", "2026-11", "--user", users.street.username, "--territory",
                 f"street:{territory.s1.pk}", "-o", str(out), stdout=io.StringIO())
    book = cells(out.read_bytes())
    assert list(book) == ["说明", "街道汇总", "小区汇总", "项目基本情况"]
    assert [row[1] for row in book["项目基本情况"][2:-1]] == ["P1", "P2"]
    assert [row[3:5] for row in book["项目基本情况"][2:-1]] == [["甜城区", "玉溪街道"]] * 2
    with pytest.raises(CommandError, match="territory"):
        call_command("monthly_report", "--month", "2026-11", "--user", users.street.username, "--territory",
                     f"district:{territory.district.pk}", "-o", str(out))


@pytest.mark.django_db
def test_download_query_count_does_not_grow(world, users, territory, client):
    client.force_login(users.official)
    url = reverse("dashboards:monthly_report", args=["2026-11"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(8):
        p = ProjectFactory(code=f"R{i}", year=2026, lead_street=territory.s1, neighbourhoods=[territory.n121])
        report(p, NOV, greening_m2=i)
    assert count() == small


@pytest.mark.django_db
def test_city_official_downloads_any_district_and_the_city(world, users, territory, client):
    from governance.choices import RoleKind
    from tests.factories import staff_user

    client.force_login(staff_user(RoleKind.CITY_OFFICIAL, None, "city"))
    url = reverse("dashboards:monthly_report", args=["2026-11"])
    city = client.get(url)
    assert city.status_code == 200 and "%E5%85%A8%E5%B8%82" in city["Content-Disposition"]  # 全市
    assert sorted(row[1] for row in cells(city.content)["区汇总"][2:-1]) == sorted(["东兴区", "甜城区"])
    other = client.get(url, {"territory": f"district:{territory.other_district.pk}"})
    assert other.status_code == 200 and "远郊里" in str(cells(other.content))
