"""Votes: save, open, cast a ballot, close (the arithmetic is surveys.tally). Each service: keyword-only
arguments, an explicit actor (None for a resident identified by the household code), one transaction, an
audit row."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.scoping import require_manage
from governance.services import audit, save_audited
from residents.models import Household

from ..choices import (
    VOTE_TRANSITIONS,
    BallotChannel,
    BallotChoice,
    MatterType,
    PlanKind,
    RulePreset,
    VoteScope,
    VoteStatus,
    default_rule,
)
from ..models import Ballot, Vote
from ..tally import tally


def _vote_errors(vote):
    """Fill the rule and the scope's building/stairwell from what was chosen, and return the
    errors of `vote` by field (empty when it may be saved)."""
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
    return errors


def vote_save(*, vote, actor):
    """Create or change a vote that has not opened yet.

    Guarantees: the scope's building/stairwell lie in the vote's neighbourhood; the project (if
    any) includes that neighbourhood; an empty rule takes the matter's legal default; a rule other
    than the default needs a reason. Refuses a vote that is open or closed, and an actor who does
    not manage the neighbourhood.
    """
    errors = _vote_errors(vote)
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
        save_audited(
            vote,
            actor=actor,
            action="vote_add" if vote.pk is None else "vote_change",
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


def _ballot_write(vote, household, choice, channel, entered_by, now):
    """Write the flat's one ballot row of the locked `vote` (created, or replaced by a later
    choice); returns (ballot, what it replaced or None)."""
    ballot = Ballot.objects.select_for_update().filter(vote=vote, household=household).first()
    previous = None
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    vote=vote, household=household, choice=choice, channel=channel, entered_by=entered_by,
                    at=now,
                )
        except IntegrityError:
            ballot = Ballot.objects.select_for_update().get(vote=vote, household=household)
    if ballot.at != now or ballot.choice != choice or ballot.channel != channel:
        previous = {"choice": ballot.choice, "channel": ballot.channel, "at": ballot.at.isoformat()}
        ballot.choice, ballot.channel, ballot.entered_by, ballot.at = choice, channel, entered_by, now
        ballot.revisions += 1
        ballot.save(update_fields=["choice", "channel", "entered_by", "at", "revisions"])
    return ballot, previous


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
        ballot, previous = _ballot_write(locked, household, choice, channel, entered_by, now)
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
