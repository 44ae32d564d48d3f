"""The household of a self-governance body's member (issue 13 item 1): the link lives here,
where households are. One service: keyword-only arguments, an explicit actor, one transaction,
one audit row with ids only (no name, room or phone)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.bodies import BodyMember
from governance.scoping import can_manage
from governance.services import audit

from .models import BodyMemberHousehold


def member_household_set(*, member, household, actor):
    """Link `member` (a saved BodyMember) to `household`, or unlink it (household None).

    Refuses, writing nothing: an actor who does not manage the member's body or the household
    (PermissionDenied); a household outside the body's neighbourhood, or outside its community
    for a community's body (ValidationError on "household"). Returns the link or None."""
    with transaction.atomic():
        member = BodyMember.objects.select_related("body").get(pk=member.pk)
        if not can_manage(actor, member.body):
            raise PermissionDenied
        current = BodyMemberHousehold.objects.select_for_update().filter(member=member).first()
        if household is None:
            if current is not None:
                audit(actor=actor, action="member_household_unset", target=member.body, details={"member": member.pk})
                current.delete()
            return None
        if not can_manage(actor, household):
            raise PermissionDenied
        body = member.body
        inside = (
            household.neighbourhood_id == body.neighbourhood_id
            if body.neighbourhood_id is not None
            else household.neighbourhood.community_id == body.community_id
        )
        if not inside:
            raise ValidationError({"household": _("成员的住户须在本组织所在的小区（或社区）内。")})
        if current is not None and current.household_id == household.pk:
            return current
        link = current or BodyMemberHousehold(member=member)
        link.household = household
        link.save()
        audit(
            actor=actor,
            action="member_household_set",
            target=body,
            details={"member": member.pk, "household": household.pk},
        )
    return link
