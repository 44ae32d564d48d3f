"""The project admin: scoped list and filters, the project page with its stage panel, moving the
stage by button and by action with the refusal reasons shown, and writes through the services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from governance.models import AuditEntry
from projects.choices import Stage
from projects.models import CatalogueItem, Project, ScopeItem

from .factories import ProjectFactory
from .helpers import ALL_PASSING, planned_line, registered_gates, scope_line

INLINES = ["scope_items", "findings", "notices"]


def _management(prefixes, initial=None):
    data = {}
    for prefix in prefixes:
        count = (initial or {}).get(prefix, 0)
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(count),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def _form(project, **extra):
    data = {
        "code": project.code,
        "name": project.name,
        "year": str(project.year),
        "lead_street": project.lead_street_id,
        "neighbourhoods": [n.pk for n in project.neighbourhoods.all()],
        "budget": str(project.budget),
        "contractor": project.contractor,
        "supervisor": project.supervisor,
        "contract_amount": "",
        "planned_start_on": "",
        "planned_end_on": "",
        "started_on": "",
        "completed_on": "",
    }
    data.update(_management(INLINES))
    data.update(extra)
    return data


def _codes(response):
    return sorted(p.code for p in response.context["cl"].result_list)


@pytest.mark.django_db
def test_the_list_is_scoped_and_filtered_without_duplicates(client, territory, users, projects):
    url = reverse("admin:projects_project_changelist")
    client.force_login(users.community)
    assert _codes(client.get(url)) == ["P1"]
    client.force_login(users.official)
    assert _codes(client.get(url)) == ["P1", "P2", "P3"]
    assert _codes(client.get(url, {"street": territory.s1.pk})) == ["P1", "P2"]  # P1 once, not twice
    assert _codes(client.get(url, {"community": territory.c12.pk})) == ["P1", "P2"]
    assert _codes(client.get(url, {"year": "2025"})) == ["P2", "P3"]
    assert _codes(client.get(url, {"stage": "candidate", "q": "P3"})) == ["P3"]
    assert _codes(client.get(url, {"q": "东风里"})) == ["P1", "P2"]


@pytest.mark.django_db
def test_a_project_outside_the_territory_answers_404(client, users, projects):
    client.force_login(users.community)
    p3 = projects["p3"]
    assert client.get(reverse("admin:projects_project_change", args=[p3.pk])).status_code == 404
    response = client.post(
        reverse("admin:projects_project_transition", args=[p3.pk]), {"to": "suspended", "note": "x"}
    )
    assert response.status_code == 404
    assert Project.objects.get(pk=p3.pk).stage == Stage.CANDIDATE


@pytest.mark.django_db
def test_the_project_page_shows_stage_coverage_moves_and_timeline(client, users, projects):
    client.force_login(users.street)
    p1 = projects["p1"]
    page = client.get(reverse("admin:projects_project_change", args=[p1.pk])).content.decode()
    assert "当前阶段" in page and "储备" in page
    assert 'name="to"' in page and 'value="consultation"' in page and 'value="tender"' not in page
    assert "尚无阶段变更。" in page
    assert "604.00" in page  # floor area of n111 + n121 from the census
    assert reverse("admin:funding_project_funding", args=[p1.pk]) in page
    for neighbourhood in p1.neighbourhoods.all():
        assert reverse("projects:neighbourhood", args=[neighbourhood.pk]) in page
    client.force_login(users.official)
    page = client.get(reverse("admin:projects_project_change", args=[p1.pk])).content.decode()
    assert 'name="to"' not in page  # read-only role: no move form


@pytest.mark.django_db
def test_the_button_moves_the_stage_or_shows_every_reason(client, users, projects, territory):
    client.force_login(users.street)
    p1 = projects["p1"]
    url = reverse("admin:projects_project_transition", args=[p1.pk])
    Project.objects.filter(pk=p1.pk).update(stage=Stage.TENDER)
    response = client.post(url, {"to": "construction", "note": ""}, follow=True)
    page = response.content.decode()
    assert "P1 不能变更为“施工”" in page
    for reason in ["未填写施工单位。", "未填写监理单位。", "未填写合同金额。", "未填写实际开工日期。"]:
        assert reason in page
    assert Project.objects.get(pk=p1.pk).stage == Stage.TENDER
    response = client.post(url, {"to": "suspended", "note": "招标流标"}, follow=True)
    page = response.content.decode()
    assert "P1 已变更为“暂停”" in page
    assert "招标流标" in page  # the timeline
    assert Project.objects.get(pk=p1.pk).stage_before_suspension == Stage.TENDER


@pytest.mark.django_db
def test_the_action_advances_each_selected_project_or_reports_why_not(client, users, projects, territory):
    client.force_login(users.street)
    Project.objects.filter(pk=projects["p2"].pk).update(stage=Stage.CLOSED)
    url = reverse("admin:projects_project_changelist")
    data = {"action": "advance_stage", "_selected_action": [projects["p1"].pk, projects["p2"].pk]}
    page = client.post(url, data, follow=True).content.decode()
    assert "P1 已变更为“协商（三下三上）”" in page
    assert "P2：当前阶段“已结项”没有下一阶段。" in page
    page = client.post(url, {**data, "_selected_action": [projects["p1"].pk]}, follow=True).content.decode()
    assert "尚无法检查（协商模块未启用）" in page
    with registered_gates(**ALL_PASSING):
        page = client.post(
            url, {**data, "_selected_action": [projects["p1"].pk]}, follow=True
        ).content.decode()
    assert "尚未发布方案公示。" in page


@pytest.mark.django_db
def test_adding_a_project_checks_the_lead_street_and_writes_an_audit_row(client, users, territory):
    client.force_login(users.street)
    url = reverse("admin:projects_project_add")
    data = {
        "code": "GZ-2026-001",
        "name": "新华里综合改造",
        "year": "2026",
        "lead_street": territory.s2.pk,
        "neighbourhoods": [territory.n111.pk],
        "budget": "2500000.00",
        "contractor": "",
        "supervisor": "",
        "contract_amount": "",
        "planned_start_on": "2026-03-01",
        "planned_end_on": "2026-02-01",
        "started_on": "",
        "completed_on": "",
    }
    page = client.post(url, data).content.decode()
    assert not Project.objects.filter(code="GZ-2026-001").exists()
    assert "牵头街道须为项目所含小区所在的街道之一。" in page or "选择一个有效的选项" in page
    response = client.post(url, {**data, "lead_street": territory.s1.pk, "planned_end_on": "2026-12-31"})
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(code="GZ-2026-001")
    assert list(project.neighbourhoods.all()) == [territory.n111]
    assert project.stage == Stage.CANDIDATE
    assert AuditEntry.objects.filter(action="project_add", target_id=str(project.pk)).exists()


@pytest.mark.django_db
def test_a_scope_line_added_on_the_page_gets_its_planned_amount(client, users, territory):
    project = ProjectFactory(code="P9", lead_street=territory.s1, neighbourhoods=[territory.n111])
    client.force_login(users.community)
    roads = CatalogueItem.objects.get(code="roads")
    data = _form(
        project,
        **{
            "scope_items-TOTAL_FORMS": "1",
            "scope_items-0-neighbourhood": territory.n111.pk,
            "scope_items-0-catalogue_item": roads.pk,
            "scope_items-0-planned_quantity": "333.33",
            "scope_items-0-unit_cost": "",
            "scope_items-0-actual_quantity": "",
            "scope_items-0-actual_amount": "",
            "scope_items-0-no_actual_reason": "",
        },
    )
    response = client.post(reverse("admin:projects_project_change", args=[project.pk]), data)
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, (
        errors,
        [f.errors for fs in response.context["inline_admin_formsets"] for f in fs.formset.forms],
    )
    line = ScopeItem.objects.get(project=project)
    assert line.unit_cost == Decimal("180.00")
    assert line.planned_amount == Decimal("59999.40")
    assert AuditEntry.objects.filter(action="scope_item_add").count() == 1


@pytest.mark.django_db
def test_the_changelist_runs_the_same_queries_for_more_projects(client, territory, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users.street)
    url = reverse("admin:projects_project_changelist")
    ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121])
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["cl"].result_list) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_community_staff_edit_a_bundled_project_keeping_the_other_neighbourhood(client, territory, users):
    project = ProjectFactory(
        code="PB", lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121]
    )
    client.force_login(users.community)
    url = reverse("admin:projects_project_change", args=[project.pk])
    response = client.post(url, _form(project, contractor="甜城建工"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.contractor == "甜城建工"
    assert set(project.neighbourhoods.all()) == {territory.n111, territory.n121}


@pytest.mark.django_db
def test_read_only_roles_are_not_offered_the_stage_action(client, users, projects):
    url = reverse("admin:projects_project_changelist")
    client.force_login(users.official)
    assert "advance_stage" not in client.get(url).content.decode()
    client.force_login(users.street)
    assert "advance_stage" in client.get(url).content.decode()


def _lines(project, neighbourhood, n):
    items = CatalogueItem.objects.filter(district=None).order_by("code")[:n]
    for item in items:
        scope_line(project, neighbourhood, item, "1", "1")


@pytest.mark.django_db
@pytest.mark.parametrize("stage, queries", [(Stage.CANDIDATE, 19), (Stage.CONSTRUCTION, 20)])
def test_the_project_page_query_count_is_pinned(
    client, territory, users, stage, queries, django_assert_num_queries
):
    """The selects of the scope lines read their choices once for the page, and the permission to
    change the project is asked once: the page runs the same queries for 1 line or 12. (session,
    user, roles, savepoints of the admin's transaction, the project twice, its coverage, the
    permission, each inline's rows, the choices, the stage panel, the object tools.)"""
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121])
    Project.objects.filter(pk=project.pk).update(stage=stage)
    url = reverse("admin:projects_project_change", args=[project.pk])
    client.force_login(users.street)
    _lines(project, territory.n111, 1)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    ScopeItem.objects.all().delete()
    _lines(project, territory.n121, 12)
    with django_assert_num_queries(queries):
        page = client.get(url).content.decode()
    assert page.count('name="scope_items-') > 12 * 5


@pytest.mark.django_db
def test_the_menu_select_groups_by_class_and_keeps_a_retired_item_in_use(client, territory, users):
    project = ProjectFactory(code="P7", lead_street=territory.s1, neighbourhoods=[territory.n111])
    _lines(project, territory.n111, 1)
    used = ScopeItem.objects.get().catalogue_item
    CatalogueItem.objects.filter(pk=used.pk).update(active=False)
    unused = CatalogueItem.objects.filter(district=None).exclude(pk=used.pk).order_by("code").first()
    CatalogueItem.objects.filter(pk=unused.pk).update(active=False)
    client.force_login(users.community)
    url = reverse("admin:projects_project_change", args=[project.pk])
    response = client.get(url)
    line = response.context["inline_admin_formsets"][0].formset.forms[0]
    groups = dict(line.fields["catalogue_item"].choices[1:])
    assert set(groups) == {"基础类", "完善类", "提升类"}
    offered = {pk for options in groups.values() for pk, _ in options}
    assert used.pk in offered and unused.pk not in offered
    assert CatalogueItem.objects.get(code="roads").pk in offered
    page = response.content.decode()
    assert '<optgroup label="提升类">' in page and f'<option value="{used.pk}" selected>' in page
    data = _form(
        project,
        **{
            "scope_items-TOTAL_FORMS": "1",
            "scope_items-INITIAL_FORMS": "1",
            "scope_items-0-id": ScopeItem.objects.get().pk,
            "scope_items-0-project": project.pk,
            "scope_items-0-neighbourhood": territory.n111.pk,
            "scope_items-0-catalogue_item": used.pk,
            "scope_items-0-planned_quantity": "1",
            "scope_items-0-unit_cost": "1",
            "scope_items-0-actual_quantity": "",
            "scope_items-0-actual_amount": "",
            "scope_items-0-no_actual_reason": "不再实施",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert ScopeItem.objects.get().no_actual_reason == "不再实施"


@pytest.mark.django_db
def test_the_bulk_delete_action_deletes_scope_lines_through_the_service(client, users, territory):
    project = ProjectFactory(code="P8", lead_street=territory.s1, neighbourhoods=[territory.n111])
    roads, greening = CatalogueItem.objects.filter(code__in=["roads", "greening"]).order_by("code")
    lines = [planned_line(project, territory.n111, item, "10", users.community) for item in (roads, greening)]
    client.force_login(users.community)
    response = client.post(
        reverse("admin:projects_scopeitem_changelist"),
        {"action": "delete_selected", "_selected_action": [line.pk for line in lines], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ScopeItem.objects.filter(project=project).exists()
    assert AuditEntry.objects.filter(action="scope_item_delete").count() == 2
