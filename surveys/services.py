"""Writes of the surveys app. Each service: keyword-only arguments, an explicit actor (None for a
resident identified by the household code), one transaction, an audit row."""

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.money import money
from governance.scoping import require_manage
from governance.services import audit
from projects.models import CatalogueItem
from projects.photos import prepare_photo
from residents.models import Household

from .choices import (
    QUESTIONNAIRE_TRANSITIONS,
    SCALE_VALUES,
    STEP_TRANSITIONS,
    VOTE_TRANSITIONS,
    BallotChannel,
    BallotChoice,
    Direction,
    MatterType,
    OpinionAnswer,
    PlanKind,
    QuestionKind,
    QuestionnaireStatus,
    ReviewDecision,
    RulePreset,
    StepStatus,
    SubmissionChannel,
    VoteScope,
    VoteStatus,
    default_rule,
)
from .models import (
    ANSWER_TEXT_MAX,
    DEMAND_PHOTOS_MAX,
    DEMAND_TEXT_MAX,
    Answer,
    Ballot,
    ConsultationProcess,
    ConsultationStep,
    DemandList,
    DemandPhoto,
    DemandSubmission,
    Meeting,
    MeetingPhoto,
    Opinion,
    PlanItem,
    PlanVersion,
    ProcessTemplate,
    Questionnaire,
    QuestionOption,
    Response,
    StepReview,
    TemplateStep,
    Vote,
)
from .tally import tally

VOTE_FIELDS = (
    "project",
    "plan_version",
    "title",
    "description",
    "matter_type",
    "scope",
    "neighbourhood",
    "building",
    "stairwell",
    "rule",
    "rule_reason",
    "custom_quorum_numerator",
    "custom_quorum_denominator",
    "custom_agree_numerator",
    "custom_agree_denominator",
    "custom_agree_inclusive",
    "opens_at",
    "closes_at",
)



# ---- votes -----------------------------------------------------------------------------------


def vote_save(*, vote, actor):
    """Create or change a vote that has not opened yet.

    Guarantees: the scope's building/stairwell lie in the vote's neighbourhood; the project (if
    any) includes that neighbourhood; an empty rule takes the matter's legal default; a rule other
    than the default needs a reason. Refuses a vote that is open or closed, and an actor who does
    not manage the neighbourhood.
    """
    if not vote.rule:
        vote.rule = default_rule(vote.matter_type)
    errors = {}
    if vote.scope == VoteScope.STAIRWELL and vote.stairwell_id:
        vote.building = vote.stairwell.building
    if vote.scope == VoteScope.NEIGHBOURHOOD:
        vote.building = None
        vote.stairwell = None
    if vote.scope == VoteScope.BUILDING:
        vote.stairwell = None
    if vote.scope == VoteScope.BUILDING and not vote.building_id:
        errors["building"] = _("按楼栋表决须选择楼栋。")
    if vote.scope == VoteScope.STAIRWELL and not vote.stairwell_id:
        errors["stairwell"] = _("按单元表决须选择单元。")
    if vote.building_id and vote.neighbourhood_id and vote.building.neighbourhood_id != vote.neighbourhood_id:
        errors["building"] = _("所选楼栋不在该小区内。")
    if vote.rule != default_rule(vote.matter_type) and not vote.rule_reason.strip():
        errors["rule_reason"] = _("“%(matter)s”的法定规则为“%(rule)s”，采用其他规则须说明理由。") % {
            "matter": vote.get_matter_type_display(),
            "rule": RulePreset(default_rule(vote.matter_type)).label,
        }
    if vote.project_id and vote.matter_type == MatterType.RENOVATION_PLAN:
        if vote.plan_version_id is None:
            errors["plan_version"] = _("改造方案表决须关联项目的最终方案。")
        elif vote.plan_version.project_id != vote.project_id or vote.plan_version.kind != PlanKind.FINAL:
            errors["plan_version"] = _("只能就本项目的最终方案进行表决。")
    elif vote.plan_version_id and vote.plan_version.project_id != vote.project_id:
        errors["plan_version"] = _("该方案不属于所选项目。")
    if (
        vote.project_id
        and vote.neighbourhood_id
        and not vote.project.neighbourhoods.filter(pk=vote.neighbourhood_id).exists()
    ):
        errors["project"] = _("该小区不在所选项目内。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if vote.pk:
            stored = Vote.objects.select_for_update().get(pk=vote.pk)
            require_manage(actor, stored)
            if stored.status != VoteStatus.DRAFT:
                raise ValidationError(_("表决已开始，不能再修改表决事项和规则。"))
        else:
            vote.created_by = actor
        require_manage(actor, vote.neighbourhood)
        vote.full_clean()
        created = vote.pk is None
        vote.save()
        audit(
            actor=actor,
            action="vote_add" if created else "vote_change",
            target=vote,
            summary=vote.title,
            details={"rule": vote.rule, "scope": vote.scope, "matter_type": vote.matter_type},
        )
    return vote


def vote_open(*, vote, actor):
    """Open a draft vote for ballots (between its opening and closing times)."""
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        require_manage(actor, locked)
        if VoteStatus.OPEN not in VOTE_TRANSITIONS[locked.status]:
            raise ValidationError(_("只有未开始的表决可以开启。"))
        locked.status = VoteStatus.OPEN
        locked.save(update_fields=["status"])
        audit(actor=actor, action="vote_open", target=locked, summary=locked.title)
    return locked


def ballot_cast(*, vote, household, choice, channel=BallotChannel.ONLINE, actor=None, now=None):
    """Record a flat's ballot; a second one replaces the first (one row per flat and vote).

    Online ballots come from the resident (actor None, identified by the household code); paper
    ballots are entered by staff who manage the household (actor recorded as `entered_by`).
    Refuses: a vote that is not open or outside its times; a flat outside the vote's scope; an
    unknown choice; a paper ballot without a managing actor.

    Concurrency: the vote row is locked (FOR NO KEY UPDATE), so ballots of one vote are written one
    after another and vote_close cannot count while one is being written; two simultaneous ballots
    of one flat leave exactly one row, the later choice (the unique constraint is the backstop).
    """
    now = now or timezone.now()
    if choice not in BallotChoice.values:
        raise ValidationError({"choice": _("请选择同意、反对或弃权。")})
    if channel not in BallotChannel.values:
        raise ValidationError({"channel": _("表决方式无效。")})
    with transaction.atomic():
        locked = Vote.objects.select_for_update(no_key=True).get(pk=vote.pk)
        if channel == BallotChannel.PAPER:
            require_manage(actor, household)
        if locked.status != VoteStatus.OPEN:
            raise ValidationError(_("该表决当前不在表决期内。"))
        if now < locked.opens_at:
            raise ValidationError(
                _("表决将于%(at)s开始。") % {"at": f"{timezone.localtime(locked.opens_at):%Y-%m-%d %H:%M}"}
            )
        if now >= locked.closes_at:
            raise ValidationError(
                _("表决已于%(at)s截止。") % {"at": f"{timezone.localtime(locked.closes_at):%Y-%m-%d %H:%M}"}
            )
        in_scope = Household.objects.filter(locked.households_q(), pk=household.pk).exists()
        if not in_scope:
            raise ValidationError(_("该住户不在本次表决范围内。"))
        entered_by = actor if channel == BallotChannel.PAPER else None
        ballot = Ballot.objects.select_for_update().filter(vote=locked, household=household).first()
        previous = None
        if ballot is None:
            try:
                with transaction.atomic():
                    ballot = Ballot.objects.create(
                        vote=locked,
                        household=household,
                        choice=choice,
                        channel=channel,
                        entered_by=entered_by,
                        at=now,
                    )
            except IntegrityError:
                ballot = Ballot.objects.select_for_update().get(vote=locked, household=household)
        if ballot.at != now or ballot.choice != choice or ballot.channel != channel:
            previous = {"choice": ballot.choice, "channel": ballot.channel, "at": ballot.at.isoformat()}
            ballot.choice, ballot.channel, ballot.entered_by, ballot.at = choice, channel, entered_by, now
            ballot.revisions += 1
            ballot.save(update_fields=["choice", "channel", "entered_by", "at", "revisions"])
        audit(
            actor=actor,
            action="ballot_cast",
            target=ballot,
            summary=f"{locked.title}: {choice}",
            details={"vote": locked.pk, "household": household.pk, "channel": channel, "previous": previous},
        )
    return ballot


def vote_close(*, vote, actor, now=None):
    """Close an open vote after its closing time, count it and store the verdict and every figure.

    Refuses: a vote not open; before its closing time; while an owner's flats voted differently
    (staff resolve it first by entering that owner's agreed ballot on paper) — every reason at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        require_manage(actor, locked)
        if VoteStatus.CLOSED not in VOTE_TRANSITIONS[locked.status]:
            raise ValidationError(_("只有表决中的表决可以结束计票。"))
        reasons = []
        if now < locked.closes_at:
            reasons.append(
                _("表决截止时间（%(at)s）未到。")
                % {"at": f"{timezone.localtime(locked.closes_at):%Y-%m-%d %H:%M}"}
            )
        result = tally(locked)
        if result.conflicts:
            reasons.append(
                _("有%(n)d位业主名下多套房屋的表决意见不一致，须先核实处理。") % {"n": result.conflicts}
            )
        if reasons:
            raise ValidationError(reasons)
        locked.status = VoteStatus.CLOSED
        locked.passed = bool(result.passed)
        locked.result = result.to_dict()
        locked.closed_at = now
        locked.closed_by = actor
        locked.save(update_fields=["status", "passed", "result", "closed_at", "closed_by"])
        audit(
            actor=actor,
            action="vote_close",
            target=locked,
            summary=_("通过") if locked.passed else _("未通过"),
            details=locked.result,
        )
    return locked


# ---- consultation processes ------------------------------------------------------------------

BUILTIN_TEMPLATE = "三下三上"


class StepRefused(ValidationError):
    """A step move refused, with every reason (a list of messages)."""


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


def demand_list_intro_set(*, demand_list, intro, actor):
    """Change the instructions shown above a demand list's form."""
    with transaction.atomic():
        locked = DemandList.objects.select_for_update().get(pk=demand_list.pk)
        require_manage(actor, locked)
        locked.intro = (intro or "").strip()
        locked.save(update_fields=["intro"])
        audit(actor=actor, action="demand_list_intro", target=locked, summary=locked.intro[:100])
    return locked


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
    """Move `step` to status `to`, setting `fields` too, and save them; refuses (StepRefused) a
    move STEP_TRANSITIONS does not list. The callers have already named the step the user may act
    on (_order_reasons): this keeps every status write within the table."""
    if to not in STEP_TRANSITIONS[step.status]:
        raise StepRefused(
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

    Refuses, with every reason at once (StepRefused): a step that is not the open one (each
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
            raise StepRefused(reasons)
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
            raise StepRefused(reasons)
        reopened = None
        if decision == ReviewDecision.APPROVED:
            _move_step(current, StepStatus.DONE, completed_at=now, completed_by=actor)
            _open_next(steps, current, now)
        else:
            reopened = [s for s in steps if s.order < current.order and s.direction == Direction.DOWN][-1]
            for s in steps:
                if reopened.order < s.order <= current.order:
                    _move_step(s, StepStatus.PENDING, opened_at=None, completed_at=None)
            _move_step(
                reopened, StepStatus.OPEN, opened_at=now, completed_at=None, rounds=reopened.rounds + 1
            )
            if reopened.closes_demand_list:
                # Collecting again: the lists reopen; households' current submissions stay current.
                DemandList.objects.filter(project_id=current.process.project_id, is_open=False).update(
                    is_open=True, closed_at=None
                )
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


def meeting_save(*, meeting, actor):
    """Record (or correct) a meeting of a consultation. Refuses a step of another process and a
    neighbourhood outside the project; the actor must manage the neighbourhood."""
    _check_in_process(meeting.process, step=meeting.step, neighbourhood_id=meeting.neighbourhood_id)
    with transaction.atomic():
        require_manage(actor, meeting.neighbourhood)
        if meeting.pk is None:
            meeting.recorded_by = actor
        meeting.full_clean()
        created = meeting.pk is None
        meeting.save()
        audit(
            actor=actor,
            action="meeting_add" if created else "meeting_change",
            target=meeting,
            summary=f"{meeting.get_kind_display()} {meeting.held_on}",
            details={"attendees": meeting.attendees, "households": meeting.households_represented},
        )
    return meeting


MEETING_PHOTOS_MAX = 9


def meeting_photo_add(*, meeting, upload, actor, caption=""):
    """Add a photo to a meeting (checked and cleaned by projects.photos.prepare_photo). Refuses more
    than MEETING_PHOTOS_MAX photos and an actor who does not manage the meeting's neighbourhood."""
    prepared = prepare_photo(upload)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        require_manage(actor, locked)
        if locked.photos.count() >= MEETING_PHOTOS_MAX:
            raise ValidationError({"image": _("每次会议最多%(n)d张照片。") % {"n": MEETING_PHOTOS_MAX}})
        photo = MeetingPhoto.objects.create(
            meeting=locked,
            image=prepared.image,
            thumbnail=prepared.thumbnail,
            uid=prepared.uid,
            caption=caption[:120],
        )
        audit(
            actor=actor,
            action="meeting_photo_add",
            target=photo,
            summary=caption[:100],
            details={"meeting": locked.pk},
        )
    return photo


def visit_save(*, visit, actor):
    """Record a door-to-door visit. The household must lie in the project; the staff member
    defaults to the actor."""
    _check_in_process(visit.process, step=visit.step, neighbourhood_id=visit.household.neighbourhood_id)
    with transaction.atomic():
        require_manage(actor, visit.household)
        if visit.staff_id is None:
            visit.staff = actor
        visit.full_clean()
        created = visit.pk is None
        visit.save()
        audit(
            actor=actor,
            action="visit_add" if created else "visit_change",
            target=visit,
            summary=str(visit.visited_on),
        )
    return visit


def opinion_save(*, opinion, actor):
    """Record an opinion collected by staff (any source). Its answer is given by opinion_answer."""
    if opinion.household_id and not opinion.neighbourhood_id:
        opinion.neighbourhood_id = opinion.household.neighbourhood_id
    _check_in_process(opinion.process, step=opinion.step, neighbourhood_id=opinion.neighbourhood_id)
    if opinion.household_id and opinion.household.neighbourhood_id != opinion.neighbourhood_id:
        raise ValidationError({"household": _("该住户不在所选小区内。")})
    if not (opinion.text or "").strip():
        raise ValidationError({"text": _("请填写意见内容。")})
    with transaction.atomic():
        require_manage(actor, opinion.neighbourhood)
        if opinion.pk is None:
            opinion.answer, opinion.answer_text = OpinionAnswer.PENDING, ""
        opinion.full_clean()
        created = opinion.pk is None
        opinion.save()
        audit(
            actor=actor,
            action="opinion_add" if created else "opinion_change",
            target=opinion,
            summary=opinion.text[:100],
        )
    return opinion


def opinion_answer(*, opinion, answer, actor, answer_text=""):
    """Answer an opinion: adopted, partly adopted, not adopted (with the reason) or explained (with
    the explanation). Only "adopted" may go without a text. An answer may be revised."""
    answer_text = (answer_text or "").strip()
    if answer not in OpinionAnswer.values or answer == OpinionAnswer.PENDING:
        raise ValidationError({"answer": _("请选择答复结果。")})
    if answer != OpinionAnswer.ADOPTED and not answer_text:
        raise ValidationError(
            {"answer_text": _("“%(a)s”须写明理由或说明。") % {"a": OpinionAnswer(answer).label}}
        )
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        require_manage(actor, locked)
        locked.answer, locked.answer_text = answer, answer_text
        locked.answered_by, locked.answered_at = actor, timezone.now()
        locked.save(update_fields=["answer", "answer_text", "answered_by", "answered_at"])
        audit(actor=actor, action="opinion_answer", target=locked, summary=f"{answer}: {answer_text[:80]}")
    return locked


# ---- demand lists ----------------------------------------------------------------------------

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _receipt():
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


def demand_lists_open(*, project, actor, intro="", now=None):
    """Open the demand list of every neighbourhood of the project (those not yet having one) while
    the consultation's collecting step (D1) is open. Returns the lists created."""
    process = ConsultationProcess.objects.filter(project=project).first()
    if process is None:
        raise ValidationError(_("须先启动协商程序，才能征集需求清单。"))
    collecting = process.steps.filter(closes_demand_list=True).first()
    if collecting is None or collecting.status != StepStatus.OPEN:
        raise ValidationError(_("需求清单只在“%(step)s”进行期间征集。") % {"step": collecting or "D1"})
    with transaction.atomic():
        require_manage(actor, project)
        existing = set(project.demand_lists.values_list("neighbourhood_id", flat=True))
        created = [
            DemandList.objects.create(project=project, neighbourhood=n, intro=intro)
            for n in project.neighbourhoods.order_by("pk")
            if n.pk not in existing
        ]
        for demand_list in created:
            audit(actor=actor, action="demand_list_open", target=demand_list, summary=str(demand_list))
    return created


def _demand_list_open_and_household_locked(list_pk, household_pk):
    """Whether the demand list is open, read under a shared row lock (PostgreSQL FOR SHARE), with
    the household's row locked FOR NO KEY UPDATE, both held to the end of the caller's transaction
    and taken by one statement.

    Shared locks do not conflict with each other, so a neighbourhood's submissions run side by side;
    they do conflict with the row lock of the UPDATE that closes the list (step_complete), so the
    close waits for every submission in flight, and a submission that waited on a close reads the
    closed row (READ COMMITTED re-reads the locked row). The household's lock writes one
    household's submissions one after another, each seeing the one before it; other households
    are not held up, and FOR NO KEY UPDATE does not block rows that only reference the household.
    Django's select_for_update has no FOR SHARE nor two strengths in one query, hence the raw
    query. SQLite has no row locks: one writer at a time serialises it.
    """
    qn = connection.ops.quote_name
    lists, homes = qn(DemandList._meta.db_table), qn(Household._meta.db_table)
    sql = (
        f"SELECT l.{qn('is_open')} FROM {lists} l, {homes} h "
        f"WHERE l.{qn(DemandList._meta.pk.column)} = %s AND h.{qn(Household._meta.pk.column)} = %s"
    )
    if connection.vendor == "postgresql":
        sql += " FOR SHARE OF l FOR NO KEY UPDATE OF h"
    with connection.cursor() as cursor:
        cursor.execute(sql, [list_pk, household_pk])
        row = cursor.fetchone()
    return bool(row and row[0])


def _demand_current_retire(list_pk, household_pk):
    """Mark the household's current submission to the list as no longer current, in one UPDATE;
    the id of the submission it retired, or None. Called with the household's row locked, so no
    other submission of the household is in flight."""
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(DemandSubmission._meta.db_table)} SET {qn('is_current')} = %s "
        f"WHERE {qn('demand_list_id')} = %s AND {qn('household_id')} = %s AND {qn('is_current')} = %s "
        f"RETURNING {qn('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, list_pk, household_pk, True])
        rows = cursor.fetchall()
    return rows[0][0] if rows else None


def demand_submit(
    *,
    demand_list,
    household,
    items=(),
    text="",
    photos=(),
    channel=SubmissionChannel.ONLINE,
    actor=None,
    now=None,
):
    """A household's demand list: menu items, free text, up to DEMAND_PHOTOS_MAX photos.

    The new submission becomes the household's current one; the previous one stays, no longer
    current. Online submissions come from the resident (actor None); paper, visit and meeting
    ones are entered by staff who manage the household (recorded as entered_by).
    Refuses: a closed list; a household of another neighbourhood; nothing chosen and no text;
    retired or other districts' menu items; over-long text; too many photos or a bad photo (the
    photo checks of projects.photos). Concurrency: the list is read open under a shared lock held
    to commit, so closing it waits for the submissions in flight and no submission lands after
    the list closed; the same statement locks the household's row (FOR NO KEY UPDATE), so
    simultaneous submissions of one household (any number) are written one after another, each
    retiring the one before it, and exactly one stays current
    (_demand_list_open_and_household_locked). The partial unique constraint is the backstop.
    Statements (issue 14): the lock, one UPDATE retiring the current submission, the INSERTs of
    the submission, its items (one), its photos and the audit row.
    """
    now = now or timezone.now()
    text = (text or "").strip()
    items = list(items)
    errors = {}
    if channel not in SubmissionChannel.values:
        errors["channel"] = _("提交方式无效。")
    if household.neighbourhood_id != demand_list.neighbourhood_id:
        errors["household"] = _("该住户不属于本需求清单所在的小区。")
    if not items and not text:
        errors["items"] = _("请至少勾选一项改造内容，或填写其他需求。")
    if len(text) > DEMAND_TEXT_MAX:
        errors["text"] = _("其他需求不能超过%(n)d字。") % {"n": DEMAND_TEXT_MAX}
    district_id = demand_list.neighbourhood.community.street.district_id
    bad = [i.name for i in items if not i.active or (i.district_id and i.district_id != district_id)]
    if bad:
        errors["items"] = _("以下改造内容不可选择：%(names)s。") % {"names": _("、").join(bad)}
    photos = list(photos)
    if len(photos) > DEMAND_PHOTOS_MAX:
        errors["photos"] = _("最多上传%(n)d张照片。") % {"n": DEMAND_PHOTOS_MAX}
    if errors:
        raise ValidationError(errors)
    prepared = []
    for number, upload in enumerate(photos, start=1):
        try:
            prepared.append(prepare_photo(upload))
        except ValidationError as exc:
            raise ValidationError(
                {"photos": [_("第%(n)d张照片：%(e)s") % {"n": number, "e": m} for m in exc.messages]}
            )
    if channel != SubmissionChannel.ONLINE:
        require_manage(actor, household)
    with transaction.atomic():
        if not _demand_list_open_and_household_locked(demand_list.pk, household.pk):
            raise ValidationError(_("本小区的需求清单征集已经结束。"))
        replaced = _demand_current_retire(demand_list.pk, household.pk)
        submission = DemandSubmission.objects.create(
            demand_list=demand_list,
            household=household,
            text=text,
            channel=channel,
            entered_by=actor if channel != SubmissionChannel.ONLINE else None,
            submitted_at=now,
            receipt=_receipt(),
        )
        # A new submission has no items yet: one INSERT (items.set() would SELECT them first).
        Through = DemandSubmission.items.through
        Through.objects.bulk_create(
            [Through(demandsubmission_id=submission.pk, catalogueitem_id=pk) for pk in dict.fromkeys(i.pk for i in items)]
        )
        for photo in prepared:
            DemandPhoto.objects.create(
                submission=submission, image=photo.image, thumbnail=photo.thumbnail, uid=photo.uid
            )
        audit(
            actor=actor,
            action="demand_submit",
            target=submission,
            summary=submission.receipt,
            details={
                "list": demand_list.pk,
                "household": household.pk,
                "channel": channel,
                "items": [i.pk for i in items],
                "replaced": replaced,
            },
        )
    return submission


# ---- plan versions ---------------------------------------------------------------------------



PLAN_DOCUMENT_EXTENSIONS = (".pdf", ".docx", ".xlsx", ".jpg", ".jpeg", ".png")
PLAN_DOCUMENT_MAX_BYTES = 30 * 1024 * 1024


def _document_problem(document):
    """None, or what is wrong with an uploaded plan document (its type by extension and first
    bytes, its size)."""
    import os

    if not document or getattr(document, "_committed", True):
        return None  # no file, or the one already stored
    extension = os.path.splitext(document.name)[1].lower()
    if extension not in PLAN_DOCUMENT_EXTENSIONS:
        return _("方案文件只接受：%(types)s。") % {"types": _("、").join(PLAN_DOCUMENT_EXTENSIONS)}
    if document.size > PLAN_DOCUMENT_MAX_BYTES:
        return _("方案文件不能超过%(n)dMB。") % {"n": PLAN_DOCUMENT_MAX_BYTES // 1024 // 1024}
    document.seek(0)
    head = document.read(8)
    document.seek(0)
    magic = {
        ".pdf": (b"%PDF",),
        ".docx": (b"PK",),
        ".xlsx": (b"PK",),
        ".jpg": (b"\xff\xd8",),
        ".jpeg": (b"\xff\xd8",),
        ".png": (b"\x89PNG",),
    }[extension]
    if not head.startswith(magic):
        return _("方案文件的内容与其扩展名（%(ext)s）不符。") % {"ext": extension}
    return None


def plan_version_save(*, plan, actor, items=None):
    """Create or change a plan version; `items` (PlanItem instances, unsaved or saved), when given,
    replace its lines, each amount = quantity × unit cost rounded half up to the cent once.
    A new version takes the next number. Refuses: a second final version; a final version that a
    vote already refers to (it is what the owners voted on); lines of neighbourhoods outside the
    project; an actor who does not manage the project."""
    errors = {}
    if not (plan.summary or "").strip():
        errors["summary"] = _("请填写方案摘要。")
    problem = _document_problem(plan.document)
    if problem:
        errors["document"] = problem
    neighbourhood_ids = set(plan.project.neighbourhoods.values_list("pk", flat=True))
    for item in items or ():
        if item.neighbourhood_id not in neighbourhood_ids:
            errors["items"] = _("方案内容中的小区“%(n)s”不在本项目内。") % {"n": item.neighbourhood}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        require_manage(actor, plan.project)
        if plan.pk and Vote.objects.filter(plan_version_id=plan.pk).exists():
            raise ValidationError(_("已付诸表决的方案不能再修改；请另建修改方案。"))
        if (
            plan.kind == PlanKind.FINAL
            and PlanVersion.objects.filter(project=plan.project, kind=PlanKind.FINAL)
            .exclude(pk=plan.pk)
            .exists()
        ):
            raise ValidationError({"kind": _("该项目已有最终方案。")})
        created = plan.pk is None
        if created:
            last = (
                PlanVersion.objects.select_for_update()
                .filter(project=plan.project)
                .order_by("-number")
                .first()
            )
            plan.number = (last.number + 1) if last else 1
            plan.created_by = actor
        plan.full_clean()
        plan.save()
        if items is not None:
            PlanItem.objects.filter(plan=plan).delete()
            for item in items:
                item.pk = None
                item.plan = plan
                item.amount = money(item.quantity * item.unit_cost)
                item.full_clean()
            PlanItem.objects.bulk_create(items)
        audit(
            actor=actor,
            action="plan_version_add" if created else "plan_version_change",
            target=plan,
            summary=str(plan),
            details={"lines": len(items) if items is not None else None},
        )
    return plan


def plan_seed_from_demand(*, project, actor, min_share=Decimal("0")):
    """A preliminary plan made from the demand aggregate: for each neighbourhood, every menu item
    chosen by more than `min_share` percent of its households (all chosen items by default), with
    the number of households that asked, the reference unit cost and quantity 0 for the site
    survey to fill in. Refuses when nothing was chosen."""
    from .selectors import demand_aggregate_by_neighbourhood

    per = demand_aggregate_by_neighbourhood(project)
    costs = dict(CatalogueItem.objects.values_list("pk", "reference_unit_cost"))
    items = [
        PlanItem(
            neighbourhood_id=nid,
            catalogue_item_id=row.item_id,
            quantity=Decimal("0"),
            unit_cost=costs[row.item_id],
            demand_households=row.households,
        )
        for nid, aggregate in per.items()
        for row in aggregate.rows
        if row.share > min_share
    ]
    if not items:
        raise ValidationError(_("需求清单中没有符合条件的改造内容，无法生成初步方案。"))
    plan = PlanVersion(
        project=project,
        kind=PlanKind.PRELIMINARY,
        title=_("初步方案（据需求清单生成）"),
        summary=_("根据居民需求清单汇总生成，工程量待现场踏勘后填写。"),
    )
    return plan_version_save(plan=plan, actor=actor, items=items)


PLAN_NOTICE_DAYS = 7


def plan_notice_publish(*, plan, actor, starts_on=None, days=PLAN_NOTICE_DAYS):
    """Publish the final plan (公示) as a plan notice of its project (projects.services.notice_save,
    which checks that the actor manages the project): its title, summary, every line with its
    quantity and amount, the total, and the verdict of each concluded vote on it. The period runs
    `days` days from `starts_on` (today by default), both ends included. Residents object to the
    notice on the neighbourhood page; the project's tender gate waits for the period to end with
    no open objection. Refuses a plan that is not the final one and a period shorter than a day."""
    from projects.choices import NoticeKind
    from projects.models import Notice
    from projects.services import notice_save

    if plan.kind != PlanKind.FINAL:
        raise ValidationError(_("只有最终方案可以公示。"))
    if days < 1:
        raise ValidationError(_("公示期至少一天。"))
    starts_on = starts_on or timezone.localdate()
    lines = [
        _("%(n)s：%(item)s，工程量%(q)s，金额%(a)s元")
        % {"n": i.neighbourhood.name, "item": i.catalogue_item.name, "q": i.quantity, "a": i.amount}
        for i in plan.items.select_related("neighbourhood", "catalogue_item").order_by(
            "neighbourhood__name", "id"
        )
    ]
    total = sum((i.amount for i in plan.items.all()), Decimal("0.00"))
    verdicts = [
        _("%(vote)s（%(place)s）：%(verdict)s")
        % {"vote": v.title, "place": v.scope_label, "verdict": _("通过") if v.passed else _("未通过")}
        for v in plan.votes.filter(status=VoteStatus.CLOSED)
        .select_related("neighbourhood", "building", "stairwell__building")
        .order_by("closed_at", "id")
    ]
    body = "\n".join(
        [plan.summary.strip(), "", _("改造内容："), *lines, _("合计：%(total)s元") % {"total": total}]
        + ([("\n" + _("业主表决结果：")), *verdicts] if verdicts else [])
    )
    notice = Notice(
        project=plan.project,
        kind=NoticeKind.PLAN,
        title=(_("最终改造方案公示：%(title)s") % {"title": plan.title})[:120],
        body=body,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=days - 1),
    )
    with transaction.atomic():
        notice = notice_save(notice=notice, actor=actor)
        audit(
            actor=actor,
            action="plan_notice_publish",
            target=plan,
            summary=notice.title,
            details={"notice": notice.pk, "starts_on": str(notice.starts_on), "ends_on": str(notice.ends_on)},
        )
    return notice


# ---- questionnaires --------------------------------------------------------------------------



def questionnaire_save(*, questionnaire, actor, questions=None):
    """Create or change a draft questionnaire; `questions`, when given, is a list of
    (Question, [option texts]) that replaces its questions. Refuses a questionnaire already
    published, a choice question with fewer than two options, and a project that does not include
    the neighbourhood."""
    errors = {}
    if (
        questionnaire.project_id
        and not questionnaire.project.neighbourhoods.filter(pk=questionnaire.neighbourhood_id).exists()
    ):
        errors["project"] = _("该小区不在所选项目内。")
    for number, (question, options) in enumerate(questions or (), start=1):
        if (
            question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
            and len([o for o in options if o.strip()]) < 2
        ):
            errors.setdefault("questions", []).append(
                _("第%(n)d题为选择题，至少需要两个选项。") % {"n": number}
            )
        if not (question.text or "").strip():
            errors.setdefault("questions", []).append(_("第%(n)d题没有题目。") % {"n": number})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        require_manage(actor, questionnaire.neighbourhood)
        if questionnaire.pk:
            stored = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
            if stored.status != QuestionnaireStatus.DRAFT and questions is not None:
                raise ValidationError(_("问卷已发布，不能再修改题目。"))
        else:
            questionnaire.created_by = actor
        questionnaire.full_clean()
        created = questionnaire.pk is None
        questionnaire.save()
        if questions is not None:
            questionnaire.questions.all().delete()
            for order, (question, options) in enumerate(questions, start=1):
                question.pk, question.questionnaire, question.order = None, questionnaire, order
                question.save()
                if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                    QuestionOption.objects.bulk_create(
                        QuestionOption(question=question, order=i, text=text.strip())
                        for i, text in enumerate([o for o in options if o.strip()], start=1)
                    )
        audit(
            actor=actor,
            action="questionnaire_add" if created else "questionnaire_change",
            target=questionnaire,
            summary=questionnaire.title,
        )
    return questionnaire


def questionnaire_set_status(*, questionnaire, status, actor, now=None):
    """Publish (draft → open) or close (open → closed) a questionnaire; refuses any move
    QUESTIONNAIRE_TRANSITIONS does not list and publishing one without questions."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        require_manage(actor, locked)
        if status not in QUESTIONNAIRE_TRANSITIONS[locked.status]:
            raise ValidationError(
                _("问卷不能从“%(a)s”变为“%(b)s”。")
                % {"a": locked.get_status_display(), "b": QuestionnaireStatus(status).label}
            )
        if status == QuestionnaireStatus.OPEN:
            if not locked.questions.exists():
                raise ValidationError(_("问卷没有题目，不能发布。"))
            locked.opened_at = now
        else:
            locked.closed_at = now
        locked.status = status
        locked.save(update_fields=["status", "opened_at", "closed_at"])
        audit(actor=actor, action="questionnaire_status", target=locked, summary=status)
    return locked


def _clean_answers(questions, answers):
    """{question id: value} → {question id: (option ids, text, scale)}; every problem named by its
    question number."""
    cleaned, errors = {}, []
    for number, question in enumerate(questions, start=1):
        value = answers.get(question.pk)
        empty = value in (None, "", [], ())
        if empty:
            if question.required:
                errors.append(_("第%(n)d题为必答题。") % {"n": number})
            continue
        option_ids = {o.pk for o in question.options.all()}
        if question.kind == QuestionKind.SINGLE:
            try:
                chosen = [int(value[0] if isinstance(value, (list, tuple)) else value)]
            except (TypeError, ValueError):
                chosen = [None]
            if (
                len(value if isinstance(value, (list, tuple)) else [value]) != 1
                or chosen[0] not in option_ids
            ):
                errors.append(_("第%(n)d题须选择一个选项。") % {"n": number})
                continue
            cleaned[question.pk] = (chosen, "", None)
        elif question.kind == QuestionKind.MULTIPLE:
            try:
                chosen = sorted({int(v) for v in (value if isinstance(value, (list, tuple)) else [value])})
            except (TypeError, ValueError):
                chosen = [None]
            if not set(chosen) <= option_ids:
                errors.append(_("第%(n)d题的选项无效。") % {"n": number})
                continue
            cleaned[question.pk] = (chosen, "", None)
        elif question.kind == QuestionKind.SCALE:
            try:
                scale = int(value)
            except (TypeError, ValueError):
                scale = None
            if scale not in SCALE_VALUES:
                errors.append(_("第%(n)d题须评1至5分。") % {"n": number})
                continue
            cleaned[question.pk] = ([], "", scale)
        else:
            text = str(value).strip()
            if len(text) > ANSWER_TEXT_MAX:
                errors.append(_("第%(n)d题的回答不能超过%(max)d字。") % {"n": number, "max": ANSWER_TEXT_MAX})
                continue
            if text:
                cleaned[question.pk] = ([], text, None)
            elif question.required:
                errors.append(_("第%(n)d题为必答题。") % {"n": number})
    if errors:
        raise ValidationError({"answers": errors})
    return cleaned


def response_submit(
    *, questionnaire, household, answers, channel=SubmissionChannel.ONLINE, actor=None, now=None
):
    """A household's answers ({question id: option id(s), text or score}). A household has one
    response; submitting again replaces its answers until the questionnaire closes. Offline
    channels are entered by staff who manage the household. Refuses: a questionnaire not open; a
    household of another neighbourhood; a required question unanswered; an option of another
    question; a score outside 1–5; over-long text — every problem at once."""
    now = now or timezone.now()
    if household.neighbourhood_id != questionnaire.neighbourhood_id:
        raise ValidationError({"household": _("该住户不在本问卷的小区内。")})
    questions = list(questionnaire.questions.prefetch_related("options").order_by("order"))
    cleaned = _clean_answers(questions, answers)
    if channel != SubmissionChannel.ONLINE:
        require_manage(actor, household)
    entered_by = actor if channel != SubmissionChannel.ONLINE else None
    with transaction.atomic():
        locked = Questionnaire.objects.select_for_update(no_key=True).get(pk=questionnaire.pk)
        if locked.status != QuestionnaireStatus.OPEN:
            raise ValidationError(_("该问卷当前不接受填写。"))
        response = (
            Response.objects.select_for_update().filter(questionnaire=locked, household=household).first()
        )
        if response is None:
            response = Response.objects.create(
                questionnaire=locked,
                household=household,
                channel=channel,
                entered_by=entered_by,
                submitted_at=now,
            )
        else:
            response.channel, response.entered_by, response.submitted_at = channel, entered_by, now
            response.revisions += 1
            response.save(update_fields=["channel", "entered_by", "submitted_at", "revisions"])
            response.answers.all().delete()
        made = Answer.objects.bulk_create(
            Answer(response=response, question_id=qid, text=text, scale=scale)
            for qid, (option_ids, text, scale) in cleaned.items()
        )
        through = Answer.options.through
        through.objects.bulk_create(
            through(answer_id=answer.pk, questionoption_id=oid)
            for answer in made
            for oid in cleaned[answer.question_id][0]
        )
        audit(
            actor=actor,
            action="response_submit",
            target=response,
            summary=locked.title,
            details={"household": household.pk, "channel": channel, "revisions": response.revisions},
        )
    return response
