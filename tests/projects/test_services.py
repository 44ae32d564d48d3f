"""The writes on projects, scope items, progress reports, findings and acceptances."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.models import AuditEntry
from projects.choices import Stage
from projects.models import Acceptance, CatalogueItem, ProgressReport, Project, ScopeItem, SupervisionFinding
from projects.services import (
    acceptance_record,
    finding_resolve,
    finding_save,
    money,
    progress_report_save,
    project_save,
    scope_item_delete,
    scope_item_save,
)

from .factories import CatalogueItemFactory, ProjectFactory
from .helpers import planned_line


def _stage(project, stage):
    Project.objects.filter(pk=project.pk).update(stage=stage)
    project.refresh_from_db()


@pytest.fixture
def project(territory):
    return ProjectFactory(
        code="P1", lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121]
    )


def test_money_rounds_half_up_once():
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("2.675")) == Decimal("2.68")
    assert money(Decimal("-0.005")) == Decimal("-0.01")


@pytest.mark.django_db
def test_project_save_checks_neighbourhoods_and_lead_street(territory, users):
    new = Project(code="N1", name="新项目", year=2026, lead_street=territory.s1, budget=Decimal("1"))
    with pytest.raises(ValidationError) as info:
        project_save(project=new, neighbourhoods=[], actor=users.street)
    assert "neighbourhoods" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        project_save(project=new, neighbourhoods=[territory.n111, territory.n211], actor=users.street)
    assert info.value.message_dict["neighbourhoods"] == ["您不能管理这些小区：北门里。"]
    new.lead_street = territory.s2
    with pytest.raises(ValidationError) as info:
        project_save(project=new, neighbourhoods=[territory.n111], actor=users.community)
    assert "lead_street" in info.value.message_dict
    new.lead_street = territory.s1
    saved = project_save(project=new, neighbourhoods=[territory.n111], actor=users.community)
    assert list(saved.neighbourhoods.all()) == [territory.n111]
    saved.stage = Stage.CLOSED  # never changed here
    project_save(project=saved, neighbourhoods=[territory.n111], actor=users.community)
    assert Project.objects.get(pk=saved.pk).stage == Stage.CANDIDATE
    with pytest.raises(PermissionDenied):
        project_save(project=saved, neighbourhoods=[territory.n111], actor=users.official)
    # Staff of one neighbourhood of a bundled project edit it, but add or remove only their own.
    bundled = project_save(
        project=Project(code="N2", name="打捆项目", year=2026, lead_street=territory.s1, budget=Decimal("1")),
        neighbourhoods=[territory.n111, territory.n121],
        actor=users.street,
    )
    bundled.name = "打捆项目（更名）"
    project_save(project=bundled, neighbourhoods=[territory.n111, territory.n121], actor=users.community)
    with pytest.raises(ValidationError) as info:
        project_save(project=bundled, neighbourhoods=[territory.n111], actor=users.community)
    assert info.value.message_dict["neighbourhoods"] == ["您不能管理这些小区：东风里。"]


@pytest.mark.django_db
def test_scope_item_save_prices_the_line_and_checks_its_neighbourhood_and_item(territory, users, project):
    roads = CatalogueItem.objects.get(code="roads")
    line = ScopeItem(
        project=project, neighbourhood=territory.n211, catalogue_item=roads, planned_quantity=Decimal("1")
    )
    with pytest.raises(ValidationError) as info:
        scope_item_save(item=line, actor=users.street)
    assert info.value.message_dict == {"neighbourhood": ["该小区不在本项目中。"]}
    line.neighbourhood = territory.n121
    line.unit_cost = Decimal("0.335")
    line.planned_quantity = Decimal("3")
    with pytest.raises(ValidationError):  # unit cost has 2 places
        scope_item_save(item=line, actor=users.street)
    line.unit_cost = Decimal("33.35")
    line.planned_quantity = Decimal("0.50")
    scope_item_save(item=line, actor=users.street)
    assert line.planned_amount == Decimal("16.68")  # 16.675 half up
    retired = CatalogueItemFactory(active=False)
    with pytest.raises(ValidationError) as info:
        planned_line(project, territory.n111, retired, "1", users.street)
    assert "已停用" in info.value.message_dict["catalogue_item"][0]
    foreign = CatalogueItemFactory(district=territory.other_district)
    with pytest.raises(ValidationError):
        planned_line(project, territory.n111, foreign, "1", users.street)
    with pytest.raises(PermissionDenied):
        scope_item_save(item=line, actor=users.official)
    _stage(project, Stage.CONSTRUCTION)
    with pytest.raises(ValidationError):
        scope_item_delete(item=line, actor=users.street)
    _stage(project, Stage.TENDER)
    scope_item_delete(item=line, actor=users.street)
    assert not ScopeItem.objects.exists()
    assert AuditEntry.objects.filter(action="scope_item_delete").count() == 1


@pytest.mark.django_db
def test_progress_reports_one_per_month_while_under_way(territory, users, project):
    report = ProgressReport(
        project=project,
        month=datetime.date(2025, 6, 17),
        percent_complete=Decimal("35.5"),
        investment_to_date=Decimal("350000"),
        pipes_water_km=Decimal("1.250"),
        elevators=2,
    )
    with pytest.raises(ValidationError) as info:
        progress_report_save(report=report, actor=users.street)
    assert "储备" in info.value.messages[0]
    _stage(project, Stage.CONSTRUCTION)
    progress_report_save(report=report, actor=users.street)
    assert report.month == datetime.date(2025, 6, 1) and report.reported_by == users.street
    again = ProgressReport(
        project=project,
        month=datetime.date(2025, 6, 30),
        percent_complete=Decimal("40"),
        investment_to_date=Decimal("1"),
    )
    with pytest.raises(ValidationError) as info:
        progress_report_save(report=again, actor=users.street)
    assert info.value.message_dict == {"month": ["2025-06 的月度进度已填报。"]}
    again.percent_complete = Decimal("101")
    again.month = datetime.date(2025, 7, 1)
    with pytest.raises(ValidationError) as info:
        progress_report_save(report=again, actor=users.street)
    assert "形象进度须在0至100之间。" in str(info.value)
    assert ProgressReport.objects.count() == 1


@pytest.mark.django_db
def test_findings_stay_open_until_resolved_with_a_note(territory, users, project):
    finding = finding_save(
        finding=SupervisionFinding(
            project=project,
            source="resident_supervisor",
            supervisor_name="王大爷",
            severity="major",
            description="2栋外墙保温层空鼓",
        ),
        actor=users.community,
    )
    assert finding.is_open and finding.reported_by == users.community and finding.opened_at
    with pytest.raises(ValidationError) as info:
        finding_resolve(finding=finding, note="  ", actor=users.community)
    assert info.value.message_dict == {"resolution_note": ["销号须填写整改说明。"]}
    with pytest.raises(PermissionDenied):
        finding_resolve(finding=finding, note="已返工", actor=users.official)
    resolved = finding_resolve(finding=finding, note="已返工并复验合格", actor=users.community)
    assert not resolved.is_open and resolved.resolved_by == users.community
    with pytest.raises(ValidationError):
        finding_resolve(finding=finding, note="再次", actor=users.community)
    # Editing the finding never reopens or closes it.
    resolved.description = "2栋外墙保温层空鼓（东侧）"
    resolved.resolved_at = None
    finding_save(finding=resolved, actor=users.community)
    assert SupervisionFinding.objects.get(pk=finding.pk).resolved_at is not None
    with pytest.raises(ValidationError):  # a resident supervisor must be named
        finding_save(
            finding=SupervisionFinding(project=project, source="resident_supervisor", description="x"),
            actor=users.community,
        )


@pytest.mark.django_db
def test_acceptance_is_recorded_in_the_acceptance_stage(territory, users, project):
    acceptance = Acceptance(
        project=project,
        accepted_on=datetime.date(2025, 11, 20),
        participants="街道、社区、施工、监理",
        resident_representatives="张三、李四、王五",
        satisfaction_rate=Decimal("93.50"),
        passed=True,
    )
    with pytest.raises(ValidationError):
        acceptance_record(acceptance=acceptance, actor=users.street)
    _stage(project, Stage.ACCEPTANCE)
    acceptance_record(acceptance=acceptance, actor=users.street)
    assert acceptance.recorded_by == users.street
    assert AuditEntry.objects.filter(action="acceptance_add", target_id=str(acceptance.pk)).exists()


@pytest.mark.django_db
def test_the_finding_page_resolves_with_a_note(client, territory, users, project):
    finding = finding_save(
        finding=SupervisionFinding(project=project, source="staff", description="井盖缺失"),
        actor=users.street,
    )
    client.force_login(users.street)
    page = client.get(reverse("admin:projects_supervisionfinding_change", args=[finding.pk])).content.decode()
    assert "整改销号" in page
    url = reverse("admin:projects_supervisionfinding_resolve", args=[finding.pk])
    page = client.post(url, {"resolution_note": ""}, follow=True).content.decode()
    assert "销号须填写整改说明。" in page
    page = client.post(url, {"resolution_note": "已补装井盖"}, follow=True).content.decode()
    assert "问题已整改销号。" in page and "已补装井盖" in page
    client.force_login(users.community)  # c11 sees the project through n111
    assert (
        client.get(reverse("admin:projects_supervisionfinding_change", args=[finding.pk])).status_code == 200
    )
    other = ProjectFactory(lead_street=territory.s2, neighbourhoods=[territory.n211])
    hidden = SupervisionFinding.objects.create(
        project=other, source="staff", description="x", opened_at=timezone.now()
    )
    assert (
        client.post(
            reverse("admin:projects_supervisionfinding_resolve", args=[hidden.pk]), {"resolution_note": "y"}
        ).status_code
        == 404
    )
