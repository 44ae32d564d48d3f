"""Meetings (with their photos) and visits of a consultation process."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.photos import prepare_photo
from governance.scoping import require_manage
from governance.services import audit, save_audited

from ..models import Meeting, MeetingPhoto
from .steps import _check_in_process

# What staff record of a meeting (the admin's form; the API adds the row's id).
MEETING_FIELDS = (
    "process",
    "step",
    "neighbourhood",
    "kind",
    "held_on",
    "place",
    "attendees",
    "households_represented",
    "minutes",
)


def meeting_save(*, meeting, actor):
    """Record (or correct) a meeting of a consultation. Refuses a step of another process and a
    neighbourhood outside the project; the actor must manage the neighbourhood."""
    _check_in_process(meeting.process, step=meeting.step, neighbourhood_id=meeting.neighbourhood_id)
    with transaction.atomic():
        require_manage(actor, meeting.neighbourhood)
        if meeting.pk is None:
            meeting.recorded_by = actor
        save_audited(
            meeting,
            actor=actor,
            action="meeting_add" if meeting.pk is None else "meeting_change",
            summary=f"{meeting.get_kind_display()} {meeting.held_on}",
            details={"attendees": meeting.attendees, "households": meeting.households_represented},
        )
    return meeting


MEETING_PHOTOS_MAX = 9


def meeting_photo_add(*, meeting, upload, actor, caption=""):
    """Add a photo to a meeting (checked and cleaned by governance.photos.prepare_photo). Refuses more
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
        save_audited(
            visit,
            actor=actor,
            action="visit_add" if visit.pk is None else "visit_change",
            summary=str(visit.visited_on),
        )
    return visit
