"""Writes of joint meetings and their resolutions. Each service: keyword-only arguments, an
explicit actor, one transaction, one audit row."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .bounds import check_dates
from .meetings import RESOLUTION_TRANSITIONS, Resolution, ResolutionStatus
from .scoping import can_manage
from .services import audit, changed_fields, delete_rows, lock_stored, save_audited, save_managed


def _bodies_outside(meeting, bodies):
    """The bodies that do not belong to the meeting's unit (a neighbourhood's meeting takes the
    bodies of its community, a community's its own, a street's those of its communities, a
    district's those of its streets)."""
    outside = []
    for body in bodies:
        community = body.community
        if meeting.community_id is not None:
            inside = community.pk == meeting.community_id
        elif meeting.street_id is not None:
            inside = community.street_id == meeting.street_id
        else:
            inside = community.street.district_id == meeting.district_id
        if not inside:
            outside.append(body)
    return outside


def joint_meeting_save(*, meeting, actor, resolutions=(), deleted_resolutions=(), bodies=None):
    """Create or change a joint meeting with its resolutions: `resolutions` are Resolution rows to
    create or change (their meeting is set here; their status is not written here but by
    resolution_move), `deleted_resolutions` rows of this meeting to delete, `bodies` (None:
    unchanged) the self-governance bodies that took part.

    Refuses, writing nothing: an actor who does not manage the meeting as stored or as it stands
    after the write (PermissionDenied); invalid values (ValidationError from full_clean, naming the
    field); a resolution due before the meeting was held; a body from outside the meeting's unit.
    One audit row: the changed fields' names and the resolution count."""
    with transaction.atomic():
        stored = lock_stored(meeting, actor)
        fields = changed_fields(stored, meeting)
        if stored is None and getattr(actor, "pk", None):
            meeting.created_by = actor
        meeting.fill_units()
        save_managed(meeting, actor)
        if bodies is not None:
            bodies = list(bodies)
            outside = _bodies_outside(meeting, bodies)
            if outside:
                raise ValidationError(
                    {"bodies": _("参会自治组织须属于会议所在的辖区：%(names)s。") % {"names": "、".join(str(b) for b in outside)}}
                )
            meeting.bodies.set(bodies)
        removed = delete_rows(deleted_resolutions, parent=meeting, field="meeting")
        for resolution in resolutions:
            resolution.meeting = meeting
            if resolution.pk is not None:  # the status is resolution_move's: keep the stored one
                kept = Resolution.objects.filter(pk=resolution.pk, meeting=meeting).values("status", "done_on").first()
                if kept is None:
                    raise ValidationError({"resolutions": _("决议不属于本次会议。")})
                resolution.status, resolution.done_on = kept["status"], kept["done_on"]
            resolution.full_clean()
            if resolution.due_on < meeting.held_on:
                raise ValidationError(
                    {"due_on": _("决议“%(text)s”的办结时限（%(due)s）不能早于会议召开日期（%(held)s）。")
                     % {"text": str(resolution), "due": resolution.due_on, "held": meeting.held_on}}
                )
            resolution.save()
        audit(
            actor=actor,
            action="joint_meeting_save" if stored is not None else "joint_meeting_create",
            target=meeting,
            summary=str(meeting),
            details={
                "level": meeting.level,
                "kind": meeting.kind,
                "fields": fields,
                "resolutions": meeting.resolutions.count(),
                "resolutions_written": len(resolutions),
                "resolutions_removed": removed,
            },
        )
    return meeting


def resolution_move(*, resolution, to, actor, progress=None, done_on=None):
    """Move a resolution's status along RESOLUTION_TRANSITIONS (open → in progress → done; done
    → in progress reopens it), with its progress note (None: unchanged). Done records the day it
    was done (`done_on`, default today; not before the meeting, not in the future); leaving done
    clears it. The same status with a new note only records the note.

    Refuses, writing nothing: an actor who does not manage the resolution (PermissionDenied); a
    move the table does not list, reopening without a note, a done date out of bounds
    (ValidationError naming the field). One audit row "resolution_move"."""
    to = ResolutionStatus(to)
    with transaction.atomic():
        locked = Resolution.objects.select_for_update().select_related("meeting").filter(pk=resolution.pk).first()
        if locked is None or not can_manage(actor, locked):
            raise PermissionDenied
        before = locked.status
        if to != before and to not in RESOLUTION_TRANSITIONS[ResolutionStatus(before)]:
            raise ValidationError(
                {"status": _("决议不能从“%(a)s”改为“%(b)s”。") % {"a": locked.get_status_display(), "b": to.label}}
            )
        if progress is not None:
            locked.progress = progress
        if before == ResolutionStatus.DONE and to != before and not (progress or "").strip():
            raise ValidationError({"progress": _("重新办理已办结的决议须在“办理情况”中说明原因。")})
        if to == ResolutionStatus.DONE and before != ResolutionStatus.DONE:
            today = timezone.localdate()
            locked.done_on = done_on or today
            if locked.done_on > today:
                raise ValidationError({"done_on": _("办结日期不能晚于今天。")})
            if locked.done_on < locked.meeting.held_on:
                raise ValidationError({"done_on": _("办结日期不能早于会议召开日期。")})
            check_dates(locked, window=["done_on"])
        elif to != ResolutionStatus.DONE:
            locked.done_on = None
        locked.status = to
        save_audited(
            locked,
            actor=actor,
            action="resolution_move",
            summary=f"{before} → {to.value}",
            details={"meeting": locked.meeting_id, "from": before, "to": to.value, "done_on": str(locked.done_on or "")},
        )
    return locked
