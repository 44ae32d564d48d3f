"""The project lifecycle: the whole transition table, every gate's reasons, suspend and resume,
the rows a move writes, and the registry of gates owned by higher apps."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from governance.errors import Refused
from governance.models import AuditEntry
from projects import gates
from projects.choices import Stage
from projects.models import Objection, Project, ProjectTransition, ScopeItem, SupervisionFinding
from projects.services import project_transition
from tests.factories import HouseholdFactory, NeighbourhoodFactory

from .factories import ProjectFactory
from .helpers import ALL_PASSING, ready_project, registered_gates, scope_line

S = Stage
OPEN = [S.CANDIDATE, S.CONSULTATION, S.TENDER, S.CONSTRUCTION, S.ACCEPTANCE, S.AFTERCARE]
# Written out here, independently of projects.choices, so a change of the table fails this test:
# each open stage moves on to the next one (the last to closed), or is suspended or cancelled;
# closed and cancelled are final.
EXPECTED = {
    **{stage: {after, S.SUSPENDED, S.CANCELLED} for stage, after in zip(OPEN, [*OPEN[1:], S.CLOSED])},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}


def _put(project, stage, before=""):
    Project.objects.filter(pk=project.pk).update(stage=stage, stage_before_suspension=before)
    project.refresh_from_db()


def _project_at(territory, stage):
    """A project of street S1 in neighbourhood n111, put at `stage` without its gates."""
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    _put(project, stage)
    return project


def _refused(project, to, actor, note="原因"):
    with pytest.raises(Refused) as info:
        project_transition(project=project, to=to, actor=actor, note=note)
    return [str(r) for r in info.value.reasons]


@pytest.mark.django_db
def test_the_whole_transition_table(territory, users):
    """With every gate satisfied, exactly the table's moves succeed, from every stage to every stage
    (itself included); each allowed move writes its transition row, and each refused one says why
    with the table's own reason, not a gate's."""
    project = ready_project(territory)
    actor = users.street
    with registered_gates(**ALL_PASSING):
        for source in Stage:
            for target in Stage:
                if source == S.SUSPENDED:
                    for before in OPEN:
                        _put(project, S.SUSPENDED, before)
                        allowed = target in (before, S.CANCELLED)
                        if target in EXPECTED_FROM_SUSPENDED:
                            refusal = [f"项目暂停前处于“{before.label}”阶段，只能恢复到该阶段。"]
                        else:
                            refusal = [f"不能从“暂停”变更为“{target.label}”。"]
                        _check_move(project, target, actor, allowed, refusal, f"suspended({before})→{target}")
                    continue
                _put(project, source)
                if source in (S.CLOSED, S.CANCELLED):
                    refusal = [f"项目已处于“{source.label}”，不能再变更阶段。"]
                else:
                    refusal = [f"不能从“{source.label}”变更为“{target.label}”。"]
                _check_move(project, target, actor, target in EXPECTED[source], refusal, f"{source}→{target}")


# From `suspended` the table lists every open stage and `cancelled`; the gate then keeps only the
# stage the project came from.
EXPECTED_FROM_SUSPENDED = {*OPEN, S.CANCELLED}


def _check_move(project, target, actor, allowed, refusal, label):
    before = list(project.transitions.values_list("from_stage", "to_stage"))
    source = project.stage
    if allowed:
        row = project_transition(project=project, to=target, actor=actor, note="原因")
        project.refresh_from_db()
        assert project.stage == target, label
        assert (row.from_stage, row.to_stage, row.actor, row.note) == (source, target, actor, "原因"), label
        assert list(project.transitions.values_list("from_stage", "to_stage")) == [*before, (source, target)]
    else:
        assert _refused(project, target, actor) == refusal, label
        project.refresh_from_db()
        assert project.stage == source, label
        assert list(project.transitions.values_list("from_stage", "to_stage")) == before, label


@pytest.mark.django_db
def test_a_full_run_writes_one_transition_row_and_one_audit_row_per_move(territory, users):
    project = ready_project(territory)
    with registered_gates(**ALL_PASSING):
        for target in [S.CONSULTATION, S.TENDER, S.CONSTRUCTION, S.ACCEPTANCE, S.AFTERCARE, S.CLOSED]:
            project_transition(project=project, to=target, actor=users.community, note=f"进入{target}")
    rows = list(project.transitions.values_list("from_stage", "to_stage", "actor__username", "note"))
    assert rows == [
        ("candidate", "consultation", "community11", "进入consultation"),
        ("consultation", "tender", "community11", "进入tender"),
        ("tender", "construction", "community11", "进入construction"),
        ("construction", "acceptance", "community11", "进入acceptance"),
        ("acceptance", "aftercare", "community11", "进入aftercare"),
        ("aftercare", "closed", "community11", "进入closed"),
    ]
    assert AuditEntry.objects.filter(action="project_transition", target_id=str(project.pk)).count() == 6
    assert _refused(project, S.SUSPENDED, users.community) == ["项目已处于“已结项”，不能再变更阶段。"]


@pytest.mark.django_db
def test_a_refused_move_writes_nothing(territory, users):
    project = _project_at(territory, S.TENDER)
    _refused(project, S.CONSTRUCTION, users.street)
    assert not ProjectTransition.objects.exists()
    assert not AuditEntry.objects.filter(action="project_transition").exists()
    assert Project.objects.get(pk=project.pk).stage == S.TENDER


@pytest.mark.django_db
def test_suspend_and_resume_return_to_the_stage_it_was_in(territory, users):
    project = ready_project(territory)
    _put(project, S.CONSTRUCTION)
    assert _refused(project, S.SUSPENDED, users.street, note="  ") == ["暂停或取消项目须填写原因。"]
    project_transition(project=project, to=S.SUSPENDED, actor=users.street, note="雨季停工")
    project.refresh_from_db()
    assert (project.stage, project.stage_before_suspension) == (S.SUSPENDED, S.CONSTRUCTION)
    assert _refused(project, S.TENDER, users.street) == ["项目暂停前处于“施工”阶段，只能恢复到该阶段。"]
    assert _refused(project, S.ACCEPTANCE, users.street) == ["项目暂停前处于“施工”阶段，只能恢复到该阶段。"]
    project_transition(project=project, to=S.CONSTRUCTION, actor=users.street, note="复工")
    project.refresh_from_db()
    assert (project.stage, project.stage_before_suspension) == (S.CONSTRUCTION, "")
    assert list(project.transitions.values_list("from_stage", "to_stage")) == [
        ("construction", "suspended"),
        ("suspended", "construction"),
    ]


@pytest.mark.django_db
def test_a_suspended_project_can_be_cancelled_with_a_reason(territory, users):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    project_transition(project=project, to=S.SUSPENDED, actor=users.street, note="资金未落实")
    assert _refused(project, S.CANCELLED, users.street, note="") == ["暂停或取消项目须填写原因。"]
    project_transition(project=project, to=S.CANCELLED, actor=users.street, note="撤销立项")
    project.refresh_from_db()
    assert (project.stage, project.stage_before_suspension) == (S.CANCELLED, "")
    assert _refused(project, S.CANDIDATE, users.street) == ["项目已处于“已取消”，不能再变更阶段。"]


# ---- each gate's reasons -------------------------------------------------------------------


@pytest.mark.django_db
def test_candidate_to_consultation_needs_eligible_neighbourhoods_with_census(territory, users):
    empty = ProjectFactory(lead_street=territory.s1)
    assert _refused(empty, S.CONSULTATION, users.superuser) == ["项目尚未关联任何小区。"]

    late = NeighbourhoodFactory(community=territory.c11, name="新城苑", built_year=2008)
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, late])
    assert _refused(project, S.CONSULTATION, users.street) == [
        "小区“新城苑”建成于2008年，晚于截止日，且未记录破格纳入理由。",
        "小区“新城苑”尚无摸底普查数据（未登记住户）。",
    ]
    late.admission_reason = "原单位宿舍，设施老化严重"
    late.save()
    assert _refused(project, S.CONSULTATION, users.street) == ["小区“新城苑”尚无摸底普查数据（未登记住户）。"]
    HouseholdFactory(stairwell__building__neighbourhood=late)
    project_transition(project=project, to=S.CONSULTATION, actor=users.street)
    assert Project.objects.get(pk=project.pk).stage == S.CONSULTATION


@pytest.mark.django_db
def test_consultation_to_tender_without_registered_gates_is_blocked_and_says_why(territory, users):
    project = ready_project(territory)
    _put(project, S.CONSULTATION)
    assert _refused(project, S.TENDER, users.street) == [
        "协商程序（三下三上）已完成：尚无法检查（协商模块未启用）",
        "最终改造方案已表决通过：尚无法检查（协商模块未启用）",
        "资金承诺足额覆盖项目概算：尚无法检查（资金模块未启用）",
    ]


def test_the_installed_apps_register_every_gate_at_start_up(isolated_gate_registry):
    """In the running project no condition stays "not yet checkable": surveys registers the
    consultation and vote gates and funding the funding and management ones, from ready()."""
    startup = isolated_gate_registry
    assert set(startup) == set(gates.REGISTERED_GATES)
    assert {name: function.__module__ for name, function in startup.items()} == {
        "consultation_complete": "surveys.gates",
        "final_plan_passed": "surveys.gates",
        "funding_covers_budget": "funding.gates",
        "management_arranged": "funding.gates",
    }


@pytest.mark.django_db
def test_registered_gates_pass_or_fail_with_their_own_reasons(territory, users):
    project = ready_project(territory)
    _put(project, S.CONSULTATION)
    seen = []

    def funding(p):
        seen.append(p.pk)
        return ["资金承诺合计 800,000.00 元，少于概算 1,000,000.00 元。"]

    with registered_gates(**{**ALL_PASSING, "funding_covers_budget": funding}):
        assert _refused(project, S.TENDER, users.street) == [
            "资金承诺合计 800,000.00 元，少于概算 1,000,000.00 元。"
        ]
        assert seen == [project.pk]
    with registered_gates(**ALL_PASSING):
        project_transition(project=project, to=S.TENDER, actor=users.street)
    assert "funding_covers_budget" not in gates._gates  # unregistered after the block
    with pytest.raises(ValueError):
        gates.register_gate("no_such_gate", lambda p: [])


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(gates.REGISTERED_GATES))
def test_each_registered_gate_alone_blocks_its_move_with_its_own_reasons(territory, users, name):
    move = {
        "consultation_complete": (S.CONSULTATION, S.TENDER),
        "final_plan_passed": (S.CONSULTATION, S.TENDER),
        "funding_covers_budget": (S.CONSULTATION, S.TENDER),
        "management_arranged": (S.ACCEPTANCE, S.AFTERCARE),
    }[name]
    project = ready_project(territory)
    _put(project, move[0])
    failing = {name: lambda p: [f"{name}：第一条", f"{name}：第二条"]}
    with registered_gates(**{**ALL_PASSING, **failing}):
        assert _refused(project, move[1], users.street) == [f"{name}：第一条", f"{name}：第二条"]
    with registered_gates(**{n: f for n, f in ALL_PASSING.items() if n != name}):
        [reason] = _refused(project, move[1], users.street)
        assert reason.endswith("尚无法检查（" + str(gates.REGISTERED_GATES[name][1]) + "模块未启用）")
    with registered_gates(**ALL_PASSING):
        project_transition(project=project, to=move[1], actor=users.street)
    assert Project.objects.get(pk=project.pk).stage == move[1]


@pytest.mark.django_db
def test_publicity_must_be_over_with_no_open_objection(territory, users):
    project = _project_at(territory, S.CONSULTATION)
    with registered_gates(**ALL_PASSING):
        assert _refused(project, S.TENDER, users.street) == ["尚未发布方案公示。"]
        today = timezone.localdate()
        notice = project.notices.create(
            kind="plan",
            title="方案公示",
            body="…",
            starts_on=today - datetime.timedelta(days=6),
            ends_on=today,
        )
        result = project.notices.create(
            kind="result", title="结果公示", body="…", starts_on=today, ends_on=today
        )
        household = territory.n111.households.first()
        objection = Objection.objects.create(notice=notice, household=household, text="车位太少")
        Objection.objects.create(notice=result, household=household, text="不算：结果公示")
        assert _refused(project, S.TENDER, users.street) == [
            f"方案公示“方案公示”的公示期至{today}，尚未结束。",
            "方案公示“方案公示”尚有1条异议未答复。",
        ]
        notice.ends_on = today - datetime.timedelta(days=1)
        notice.save()
        assert _refused(project, S.TENDER, users.street) == ["方案公示“方案公示”尚有1条异议未答复。"]
        objection.status, objection.answer, objection.answered_at = "answered", "已增加车位", timezone.now()
        objection.save()
        project_transition(project=project, to=S.TENDER, actor=users.street)


@pytest.mark.django_db
def test_tender_to_construction_needs_the_tender_fields(territory, users):
    project = _project_at(territory, S.TENDER)
    assert _refused(project, S.CONSTRUCTION, users.street) == [
        "未填写施工单位。",
        "未填写监理单位。",
        "未填写合同金额。",
        "未填写实际开工日期。",
    ]
    Project.objects.filter(pk=project.pk).update(contractor="甜城建工", contract_amount=Decimal("0"))
    project.refresh_from_db()
    assert _refused(project, S.CONSTRUCTION, users.street) == ["未填写监理单位。", "未填写实际开工日期。"]


@pytest.mark.django_db
def test_construction_to_acceptance_needs_every_scope_item_settled(territory, users):
    project = ready_project(territory)
    _put(project, S.CONSTRUCTION)
    ScopeItem.objects.all().delete()
    assert _refused(project, S.ACCEPTANCE, users.street) == ["项目没有改造内容明细。"]
    line = scope_line(project, territory.n111, "greening", "50", "120")
    assert _refused(project, S.ACCEPTANCE, users.street) == [
        "改造内容“绿化提升”（新华里）既无实际工程量，也未说明原因。"
    ]
    line.no_actual_reason = "居民表决不实施"
    line.save()
    project_transition(project=project, to=S.ACCEPTANCE, actor=users.street)


@pytest.mark.django_db
def test_acceptance_to_aftercare_needs_a_passed_acceptance_no_open_finding_and_management(territory, users):
    project = _project_at(territory, S.ACCEPTANCE)
    assert _refused(project, S.AFTERCARE, users.street) == [
        "尚无竣工验收记录。",
        "每个小区均已落实长效管理：尚无法检查（长效管理模块未启用）",
    ]
    project.acceptances.create(
        accepted_on=datetime.date(2025, 10, 1),
        participants="各方",
        resident_representatives="代表",
        satisfaction_rate=Decimal("70"),
        passed=False,
    )
    SupervisionFinding.objects.create(
        project=project, source="staff", description="3栋屋面渗漏", opened_at=timezone.now()
    )
    with registered_gates(management_arranged=lambda p: ["小区“新华里”尚未落实长效管理方式。"]):
        assert _refused(project, S.AFTERCARE, users.street) == [
            "最近一次竣工验收（2025-10-01）未通过。",
            "质量监督问题“3栋屋面渗漏”尚未整改销号。",
            "小区“新华里”尚未落实长效管理方式。",
        ]


# ---- who may move, and what runs after ----------------------------------------------------


@pytest.mark.django_db
def test_only_staff_who_manage_the_project_may_move_it(territory, users):
    project = ProjectFactory(lead_street=territory.s2, neighbourhoods=[territory.n211])
    for actor in (users.official, users.community, users.street, users.nobody):
        with pytest.raises(PermissionDenied):
            project_transition(project=project, to=S.SUSPENDED, actor=actor, note="x")
    assert not ProjectTransition.objects.exists()


@pytest.mark.django_db
def test_listeners_run_after_commit_only(territory, users, django_capture_on_commit_callbacks):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    calls = []

    def listener(**kwargs):
        calls.append(kwargs)

    gates.register_listener(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            project_transition(project=project, to=S.CONSULTATION, actor=users.street)
            assert calls == []  # not before commit
        assert len(callbacks) == 1
        assert calls == [{"project_id": project.pk, "from_stage": "candidate", "to_stage": "consultation"}]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(Refused):
                project_transition(project=project, to=S.TENDER, actor=users.street)
        assert callbacks == []
    finally:
        gates.unregister_listener(listener)
