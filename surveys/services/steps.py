"""Consultation processes: templates, starting a process, and moving its steps (complete, review).
A step changes status only through _move_step, which checks surveys.choices.STEP_TRANSITIONS."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import Refused
from governance.scoping import require_manage
from governance.services import audit

from ..choices import (
    STEP_TRANSITIONS,
    Direction,
    MatterType,
    ReviewDecision,
    StepStatus,
    VoteScope,
    VoteStatus,
)
from ..models import (
    ConsultationProcess,
    ConsultationStep,
    DemandList,
    DemandSubmission,
    ProcessTemplate,
    StepReview,
    TemplateStep,
    Vote,
)

BUILTIN_TEMPLATE = "三下三上"


# The built-in template (docs/domain-rules.md, "Consultation"): (code, direction, name, closes the
# demand list, needs a concluded vote). Migration 0003 installs it; ensure_builtin_template()
# restores it on a database emptied since (a test flush), like
# projects.catalogue_data.ensure_national_menu.
BUILTIN_STEPS = (
    ("D1", Direction.DOWN, "一下：召开居民大会，征集改造需求", True, False),
    ("U1", Direction.UP, "一上：需求清单报部门审核", False, False),
    ("D2", Direction.DOWN, "二下：现场踏勘，初步方案征求意见", False, False),
    ("U2", Direction.UP, "二上：意见汇总，方案修改完善", False, False),
    ("D3", Direction.DOWN, "三下：最终方案业主表决并公示", False, True),
    ("U3", Direction.UP, "三上：方案审定备案，组织实施", False, False),
)


def ensure_builtin_template():
    """The built-in 三下三上 template, created with its steps when missing."""
    template = ProcessTemplate.objects.filter(district__isnull=True, name=BUILTIN_TEMPLATE).first()
    if template is not None:
        return template
    with transaction.atomic():
        template = ProcessTemplate.objects.create(name=BUILTIN_TEMPLATE, district=None)
        TemplateStep.objects.bulk_create(
            TemplateStep(
                template=template,
                order=order,
                code=code,
                direction=direction,
                name=name,
                closes_demand_list=closes,
                needs_vote=vote,
            )
            for order, (code, direction, name, closes, vote) in enumerate(BUILTIN_STEPS, start=1)
        )
    return template


def builtin_template():
    return ensure_builtin_template()


def template_save(*, template, steps, actor):
    """Create or change a process template with its ordered steps: `steps` is a list of
    TemplateStep instances (unsaved), numbered in order. Only superusers (a district's
    administrators) define templates; the built-in one is never changed. Refuses an empty list,
    duplicate codes, a list not starting with a down step or not ending with an up step (every
    down step is reviewed), two steps of one direction in a row, and more than one step that
    collects the demand list. A template already used by a process keeps its steps (the processes
    copied them; change a copy instead)."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied
    if template.district_id is None and template.name == BUILTIN_TEMPLATE:
        raise ValidationError(_("系统内置的“三下三上”模板不能修改。"))
    steps = list(steps)
    errors = []
    codes = [s.code.strip() for s in steps]
    if not steps:
        errors.append(_("模板至少需要一个步骤。"))
    if len(set(codes)) != len(codes) or not all(codes):
        errors.append(_("步骤代号不能为空或重复。"))
    if steps and (steps[0].direction != Direction.DOWN or steps[-1].direction != Direction.UP):
        errors.append(_("模板须以“下”步骤开始、以“上”步骤结束。"))
    if any(a.direction == b.direction for a, b in zip(steps, steps[1:])):
        errors.append(_("“下”与“上”步骤须交替进行。"))
    if sum(1 for s in steps if s.closes_demand_list) > 1:
        errors.append(_("只能有一个步骤征集需求清单。"))
    if errors:
        raise ValidationError({"steps": errors})
    with transaction.atomic():
        if template.pk and ConsultationProcess.objects.filter(template_id=template.pk).exists():
            raise ValidationError(_("已有项目使用该模板，不能再修改其步骤；请另建模板。"))
        template.full_clean()
        created = template.pk is None
        template.save()
        TemplateStep.objects.filter(template=template).delete()
        for order, step in enumerate(steps, start=1):
            step.pk, step.template, step.order, step.code = None, template, order, step.code.strip()
        TemplateStep.objects.bulk_create(steps)
        audit(
            actor=actor,
            action="template_add" if created else "template_change",
            target=template,
            summary=template.name,
            details={"steps": codes},
        )
    return template


def process_start(*, project, actor, template=None):
    """Start a project's consultation from `template` (default: the built-in 三下三上): its steps
    are copied in order and the first one opens. Refuses a project that already has one, an
    inactive or empty template, a district template of another district, and an actor who does
    not manage the project."""
    template = template or builtin_template()
    with transaction.atomic():
        require_manage(actor, project)
        if ConsultationProcess.objects.filter(project=project).exists():
            raise ValidationError(_("该项目已启动协商程序。"))
        steps = list(template.steps.order_by("order"))
        if not template.active or not steps:
            raise ValidationError({"template": _("协商程序模板未启用或没有步骤。")})
        if (
            template.district_id
            and not project.neighbourhoods.filter(
                community__street__district_id=template.district_id
            ).exists()
        ):
            raise ValidationError({"template": _("该模板属于其他区。")})
        process = ConsultationProcess.objects.create(project=project, template=template, started_by=actor)
        now = timezone.now()
        ConsultationStep.objects.bulk_create(
            ConsultationStep(
                process=process,
                order=s.order,
                code=s.code,
                direction=s.direction,
                name=s.name,
                closes_demand_list=s.closes_demand_list,
                needs_vote=s.needs_vote,
                status=StepStatus.OPEN if i == 0 else StepStatus.PENDING,
                opened_at=now if i == 0 else None,
            )
            for i, s in enumerate(steps)
        )
        audit(
            actor=actor,
            action="process_start",
            target=process,
            summary=template.name,
            details={"project": project.pk, "steps": [s.code for s in steps]},
        )
    return process


def down_step_evidence(step):
    """What shows a down step was carried out among residents: (meetings with participation,
    visits, demand submissions collected while it was open). Three counts."""
    meetings = step.meetings.filter(Q(attendees__gt=0) | Q(households_represented__gt=0)).count()
    visits = step.visits.count()
    collected = 0
    if step.closes_demand_list:
        collected = DemandSubmission.objects.filter(demand_list__project_id=step.process.project_id).count()
    return meetings, visits, collected


def _missing_votes(process):
    """The project's neighbourhoods without a concluded (closed) renovation-plan vote."""
    concluded = Vote.objects.filter(
        project_id=process.project_id,
        matter_type=MatterType.RENOVATION_PLAN,
        scope=VoteScope.NEIGHBOURHOOD,
        status=VoteStatus.CLOSED,
    ).values("neighbourhood_id")
    return list(
        process.project.neighbourhoods.exclude(pk__in=concluded)
        .order_by("name")
        .values_list("name", flat=True)
    )


def _locked_steps(process):
    return list(ConsultationStep.objects.select_for_update().filter(process_id=process.pk).order_by("order"))


def _move_step(step, to, **fields):
    """Move `step` to status `to`, setting `fields` too, and save them; refuses (Refused) a
    move STEP_TRANSITIONS does not list. The callers have already named the step the user may act
    on (_order_reasons): this keeps every status write within the table."""
    if to not in STEP_TRANSITIONS[step.status]:
        raise Refused(
            [
                _("步骤“%(step)s”不能从“%(a)s”变为“%(b)s”。")
                % {"step": step, "a": step.get_status_display(), "b": StepStatus(to).label}
            ]
        )
    step.status = to
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=["status", *fields])


def _order_reasons(steps, step):
    """Why `step` is not the one to move now (empty when it is the open step)."""
    if step.status == StepStatus.DONE:
        return [_("步骤“%(step)s”已完成。") % {"step": step}]
    if step.status == StepStatus.PENDING:
        earlier = [s for s in steps if s.order < step.order and s.status != StepStatus.DONE]
        return [_("须先完成步骤“%(step)s”，不能跳过。") % {"step": s} for s in earlier] or [
            _("步骤“%(step)s”尚未开始。") % {"step": step}
        ]
    return []


def step_complete(*, step, actor, note="", now=None):
    """Complete the open down step of a process; the next step opens.

    Refuses, with every reason at once (Refused): a step that is not the open one (each
    earlier step not done is named: steps are never skipped); an up step (it ends with a
    department review: step_review); a down step without evidence (a meeting with participation,
    a visit, or — for the step that collects the demand list — a submission); a step that needs a
    vote while a neighbourhood of the project has no concluded renovation-plan vote.
    A step that closes the demand list closes the project's demand lists, after the submissions
    in flight have committed (their shared lock holds the close back); none lands after it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        steps = _locked_steps(step.process)
        current = next(s for s in steps if s.pk == step.pk)
        require_manage(actor, current)
        reasons = _order_reasons(steps, current)
        if not reasons and current.direction == Direction.UP:
            reasons.append(_("上行步骤“%(step)s”以部门审核结束，请登记审核结论。") % {"step": current})
        if not reasons:
            meetings, visits, collected = down_step_evidence(current)
            if not (meetings or visits or collected):
                reasons.append(
                    _(
                        "步骤“%(step)s”尚无开展记录：须至少登记一次有参会人数的会议、一次入户走访或收到需求清单。"
                    )
                    % {"step": current}
                )
            if current.needs_vote:
                for name in _missing_votes(current.process):
                    reasons.append(_("小区“%(name)s”的最终方案表决尚未结束计票。") % {"name": name})
        if reasons:
            raise Refused(reasons)
        _move_step(current, StepStatus.DONE, completed_at=now, completed_by=actor, note=note)
        closed_lists = 0
        if current.closes_demand_list:
            # The UPDATE row-locks each open list, which waits for the FOR SHARE lock of every
            # submission in flight (demand_submit); later submissions then read the list closed.
            closed_lists = DemandList.objects.filter(
                project_id=current.process.project_id, is_open=True
            ).update(is_open=False, closed_at=now)
        _open_next(steps, current, now)
        audit(
            actor=actor,
            action="step_complete",
            target=current,
            summary=str(current),
            details={"note": note, "demand_lists_closed": closed_lists},
        )
    return current


def _open_next(steps, current, now):
    following = [s for s in steps if s.order > current.order]
    if following:
        _move_step(following[0], StepStatus.OPEN, opened_at=now)


def _send_back(steps, current, now):
    """Return the up step `current`: the nearest earlier down step reopens (one more round), every
    step after it up to `current` is pending again, and a reopened collecting step reopens the
    project's demand lists. Returns the reopened step."""
    reopened = [s for s in steps if s.order < current.order and s.direction == Direction.DOWN][-1]
    for s in steps:
        if reopened.order < s.order <= current.order:
            _move_step(s, StepStatus.PENDING, opened_at=None, completed_at=None)
    _move_step(reopened, StepStatus.OPEN, opened_at=now, completed_at=None, rounds=reopened.rounds + 1)
    if reopened.closes_demand_list:
        # Collecting again: the lists reopen; households' current submissions stay current.
        DemandList.objects.filter(project_id=current.process.project_id, is_open=False).update(
            is_open=True, closed_at=None
        )
    return reopened


def step_review(*, step, decision, department, actor, comments="", now=None):
    """Record a department's review of the open up step.

    Approved: the step is done and the next one opens. Returned (comments required): the step goes
    back to pending, the nearest earlier down step reopens (its round count goes up) and every
    step between them is pending again; the review row records the loop (who, when, what, which
    step reopened). When the reopened step is the one that collects the demand list, the project's
    lists reopen with it. Refuses a step that is not the open one or is a down step.
    """
    now = now or timezone.now()
    comments = (comments or "").strip()
    department = (department or "").strip()
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("请选择审核通过或退回修改。")})
    errors = {}
    if not department:
        errors["department"] = _("请填写审核部门。")
    if decision == ReviewDecision.RETURNED and not comments:
        errors["comments"] = _("退回须填写审核意见。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        steps = _locked_steps(step.process)
        current = next(s for s in steps if s.pk == step.pk)
        require_manage(actor, current)
        reasons = _order_reasons(steps, current)
        if not reasons and current.direction != Direction.UP:
            reasons.append(_("下行步骤“%(step)s”不经部门审核，请在完成工作后标记完成。") % {"step": current})
        if reasons:
            raise Refused(reasons)
        reopened = None
        if decision == ReviewDecision.APPROVED:
            _move_step(current, StepStatus.DONE, completed_at=now, completed_by=actor)
            _open_next(steps, current, now)
        else:
            reopened = _send_back(steps, current, now)
        review = StepReview.objects.create(
            step=current,
            decision=decision,
            department=department,
            comments=comments,
            reopened_step=reopened,
            reviewer=actor,
        )
        audit(
            actor=actor,
            action="step_review",
            target=current,
            summary=f"{current.code} {decision}",
            details={
                "department": department,
                "comments": comments,
                "reopened": reopened.code if reopened else None,
            },
        )
    return review


def _check_in_process(process, *, step=None, neighbourhood_id=None):
    errors = {}
    if step is not None and step.process_id != process.pk:
        errors["step"] = _("该步骤不属于所选协商程序。")
    if neighbourhood_id and not process.project.neighbourhoods.filter(pk=neighbourhood_id).exists():
        errors["neighbourhood"] = _("该小区不在本项目内。")
    if errors:
        raise ValidationError(errors)
