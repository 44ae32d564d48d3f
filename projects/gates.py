"""The gates of the project lifecycle (docs/domain-rules.md, "Project lifecycle"), and the registries
through which higher apps plug in the conditions only they can check, and the side effects of a
move (docs/architecture.md, "When a lower app needs a higher one").

A gate is a function `gate(project) -> list[str]`: every reason the move is refused, empty when
it passes. `transition_reasons(project, to, note)` runs the table check and every gate of the move
and returns all the reasons together, so staff see everything that is missing at once.

Registered gates. `surveys` registers `consultation_complete` and `final_plan_passed`; `funding`
registers `funding_covers_budget` and `management_arranged` — from their `AppConfig.ready()`,
with `register_gate(name, function)`. Until an app registers its gate, the condition is reported
as "尚无法检查（X 模块未启用）" and *blocks* the move: nothing is skipped silently.

Listeners. `register_listener(function)` adds a side effect run after a move commits:
`function(project_id=…, from_stage=…, to_stage=…)`. The service schedules them with
`transaction.on_commit`, so a rolled-back move runs nothing.
"""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.choices import EligibilityStatus
from governance.models import Neighbourhood
from residents.models import Household

from .choices import FINAL_STAGES, TRANSITIONS, NoticeKind, ObjectionStatus, Stage

# name -> (the condition, the module that checks it). Only these names may be registered.
REGISTERED_GATES = {
    "consultation_complete": (gettext_lazy("协商程序（三下三上）已完成"), gettext_lazy("协商")),
    "final_plan_passed": (gettext_lazy("最终改造方案已表决通过"), gettext_lazy("协商")),
    "funding_covers_budget": (gettext_lazy("资金承诺足额覆盖项目概算"), gettext_lazy("资金")),
    "management_arranged": (gettext_lazy("每个小区均已落实长效管理"), gettext_lazy("长效管理")),
}

_gates = {}
_listeners = []


def register_gate(name, function):
    """Register the function that checks the condition `name` (one of REGISTERED_GATES)."""
    if name not in REGISTERED_GATES:
        raise ValueError(f"unknown project gate {name!r}; known: {sorted(REGISTERED_GATES)}")
    _gates[name] = function


def unregister_gate(name):
    _gates.pop(name, None)


def register_listener(function):
    if function not in _listeners:
        _listeners.append(function)


def unregister_listener(function):
    if function in _listeners:
        _listeners.remove(function)


def listeners():
    return list(_listeners)


def _registered(name):
    def gate(project):
        function = _gates.get(name)
        if function is None:
            condition, module = REGISTERED_GATES[name]
            return [
                _("%(condition)s：尚无法检查（%(module)s模块未启用）")
                % {"condition": condition, "module": module}
            ]
        return list(function(project))

    gate.__name__ = name
    return gate


# ---- internal gates ------------------------------------------------------------------------


def neighbourhoods_ready(project):
    """candidate → consultation: at least one neighbourhood; each eligible (or admitted) and with
    its census (at least one household registered)."""
    rows = (
        Neighbourhood.objects.filter(projects=project)
        .annotate_eligibility()
        .annotate(has_census=Exists(Household.objects.filter(neighbourhood=OuterRef("pk"))))
        .order_by("name")
    )
    reasons = []
    for row in rows:
        if row.eligibility == EligibilityStatus.INELIGIBLE:
            reasons.append(
                _("小区“%(name)s”建成于%(year)s年，晚于截止日，且未记录破格纳入理由。")
                % {"name": row.name, "year": row.built_year}
            )
        if not row.has_census:
            reasons.append(_("小区“%(name)s”尚无摸底普查数据（未登记住户）。") % {"name": row.name})
    if not rows:
        reasons.append(_("项目尚未关联任何小区。"))
    return reasons


def publicity_over(project, today=None):
    """consultation → tender: a plan notice was published, every plan notice's period is over, and
    no objection to any of them is still open."""
    today = today or timezone.localdate()
    notices = list(
        project.notices.filter(kind=NoticeKind.PLAN)
        .annotate(open_objections=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN)))
        .order_by("starts_on", "id")
    )
    if not notices:
        return [_("尚未发布方案公示。")]
    reasons = []
    for notice in notices:
        if notice.ends_on >= today:
            reasons.append(
                _("方案公示“%(title)s”的公示期至%(end)s，尚未结束。")
                % {"title": notice.title, "end": notice.ends_on}
            )
        if notice.open_objections:
            reasons.append(
                _("方案公示“%(title)s”尚有%(n)d条异议未答复。")
                % {"title": notice.title, "n": notice.open_objections}
            )
    return reasons


def tender_recorded(project):
    """tender → construction: contractor, supervisor, contract amount and start date recorded."""
    missing = []
    if not project.contractor.strip():
        missing.append(_("未填写施工单位。"))
    if not project.supervisor.strip():
        missing.append(_("未填写监理单位。"))
    if project.contract_amount is None:
        missing.append(_("未填写合同金额。"))
    if project.started_on is None:
        missing.append(_("未填写实际开工日期。"))
    return missing


def scope_settled(project):
    """construction → acceptance: the project has scope lines, and every one has an actual
    quantity or a reason why not."""
    items = list(project.scope_items.select_related("catalogue_item", "neighbourhood"))
    if not items:
        return [_("项目没有改造内容明细。")]
    return [
        _("改造内容“%(item)s”（%(place)s）既无实际工程量，也未说明原因。")
        % {"item": item.catalogue_item.name, "place": item.neighbourhood.name}
        for item in items
        if not item.is_settled
    ]


def acceptance_passed(project):
    """acceptance → aftercare: the latest acceptance passed."""
    latest = project.acceptances.order_by("-accepted_on", "-id").first()
    if latest is None:
        return [_("尚无竣工验收记录。")]
    if not latest.passed:
        return [_("最近一次竣工验收（%(date)s）未通过。") % {"date": latest.accepted_on}]
    return []


def findings_resolved(project):
    """acceptance → aftercare: no supervision finding is open."""
    open_findings = list(project.findings.filter(resolved_at__isnull=True).order_by("opened_at", "id"))
    return [
        _("质量监督问题“%(text)s”尚未整改销号。") % {"text": finding.description[:30]}
        for finding in open_findings
    ]


# ---- the gates of each move ----------------------------------------------------------------

MOVE_GATES = {
    (Stage.CANDIDATE, Stage.CONSULTATION): [neighbourhoods_ready],
    (Stage.CONSULTATION, Stage.TENDER): [
        _registered("consultation_complete"),
        _registered("final_plan_passed"),
        publicity_over,
        _registered("funding_covers_budget"),
    ],
    (Stage.TENDER, Stage.CONSTRUCTION): [tender_recorded],
    (Stage.CONSTRUCTION, Stage.ACCEPTANCE): [scope_settled],
    (Stage.ACCEPTANCE, Stage.AFTERCARE): [
        acceptance_passed,
        findings_resolved,
        _registered("management_arranged"),
    ],
}


def transition_reasons(project, to, note=""):
    """Every reason `project` may not move to `to` now; empty when the move is allowed.

    - the move must be in the transition table;
    - suspending and cancelling need a note (the reason);
    - a suspended project resumes only to the stage it was suspended from, with no gate (it had
      passed them already);
    - any other move runs every gate of MOVE_GATES for it.
    """
    current = project.stage
    if to not in TRANSITIONS.get(current, set()):
        if current in FINAL_STAGES:
            return [_("项目已处于“%(stage)s”，不能再变更阶段。") % {"stage": Stage(current).label}]
        return [_("不能从“%(from)s”变更为“%(to)s”。") % {"from": Stage(current).label, "to": _label(to)}]
    if to in (Stage.SUSPENDED, Stage.CANCELLED):
        return [] if (note or "").strip() else [_("暂停或取消项目须填写原因。")]
    if current == Stage.SUSPENDED:
        if to != project.stage_before_suspension:
            return [
                _("项目暂停前处于“%(stage)s”阶段，只能恢复到该阶段。")
                % {"stage": Stage(project.stage_before_suspension).label}
            ]
        return []
    reasons = []
    for gate in MOVE_GATES.get((current, to), []):
        reasons.extend(gate(project))
    return reasons


def _label(stage):
    try:
        return Stage(stage).label
    except ValueError:
        return str(stage)
