"""Re-elections (换届) tied to the owners' vote that elected the body (surveys.reelections)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.bodies import Body
from governance.scoping import require_manage
from governance.services import audit
from governance.services_bodies import body_save

from ..choices import MatterType, VoteScope, VoteStatus
from ..models import Vote
from ..reelections import ELECTED_KINDS, Reelection


def reelection_problems(body, vote, term_start):
    """Every reason `vote` cannot re-elect `body` from `term_start`, as {field: message}."""
    errors = {}
    if body.kind not in ELECTED_KINDS:
        errors["body"] = _("只有业主委员会和自管委由业主表决选举产生。")
    elif body.neighbourhood_id is None:
        errors["body"] = _("社区层面的组织没有对应的小区业主表决。")
    if vote.matter_type != MatterType.ELECT_COMMITTEE:
        errors["vote"] = _("须为“选举业主委员会或者更换业主委员会成员”事项的表决。")
    elif vote.scope != VoteScope.NEIGHBOURHOOD or vote.neighbourhood_id != body.neighbourhood_id:
        errors["vote"] = _("表决须以本组织所在小区的全体业主为范围。")
    elif vote.status != VoteStatus.CLOSED or not vote.passed:
        errors["vote"] = _("表决须已结束计票并获通过。")
    elif term_start is not None and vote.closed_at is not None and term_start < timezone.localdate(vote.closed_at):
        errors["term_start"] = _("新任期不能早于表决计票日（%(day)s）。") % {"day": timezone.localdate(vote.closed_at)}
    return errors


def reelection_record(*, body, vote, term_start, term_end, actor, note=""):
    """Record the re-election of `body` by the owners' `vote` and give the body its new term
    (through governance.services_bodies.body_save, so the district's composition rule is checked
    on its members). One re-election per vote.

    Refuses, writing nothing: an actor who does not manage the body (PermissionDenied); a body not
    elected by owners or without a neighbourhood; a vote not of the matter "elect the committee",
    of another scope or neighbourhood, not closed and passed, or already used; a new term before
    the vote was counted, out of bounds or not ending after it starts (ValidationError naming each
    field). One audit row "reelection_record"."""
    with transaction.atomic():
        body = Body.objects.select_for_update().get(pk=body.pk)
        require_manage(actor, body)
        vote = Vote.objects.select_for_update().get(pk=vote.pk)
        require_manage(actor, vote)
        reelection = Reelection(body=body, vote=vote, term_start=term_start, term_end=term_end, note=note or "")
        errors = reelection_problems(body, vote, term_start)
        if Reelection.objects.filter(vote=vote).exists():
            errors.setdefault("vote", _("这次表决已用于一次换届。"))
        try:
            reelection.full_clean(exclude=["vote"] if "vote" in errors else None)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages[0])
        if errors:
            raise ValidationError(errors)
        if getattr(actor, "pk", None):
            reelection.recorded_by = actor
        reelection.save()
        body.term_start, body.term_end = term_start, term_end
        body_save(body=body, actor=actor)
        audit(
            actor=actor,
            action="reelection_record",
            target=reelection,
            summary=str(reelection),
            details={"body": body.pk, "vote": vote.pk, "term_start": str(term_start), "term_end": str(term_end)},
        )
    return reelection
