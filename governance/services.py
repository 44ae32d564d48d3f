"""Writes on the territory. Each service: keyword-only arguments, an explicit actor, one
transaction, an audit row."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import EligibilityStatus
from .models import AuditEntry, Neighbourhood
from .scoping import can_manage


def audit(*, actor, action, target, summary="", details=None):
    """Write one audit row for `target` (a model instance)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:300],
        details=details or {},
    )


def neighbourhood_admit(*, neighbourhood, reason, actor):
    """Admit a neighbourhood built after its district's cut-off, recording the reason, who and when.

    Refuses: an empty reason; a neighbourhood already eligible by its build year; an actor who
    does not manage the neighbourhood.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"admission_reason": _("破格纳入须填写理由。")})
    with transaction.atomic():
        locked = Neighbourhood.objects.select_for_update().select_related("community__street__district").get(
            pk=neighbourhood.pk
        )
        if not can_manage(actor, locked):
            raise PermissionDenied
        cutoff = locked.community.street.district.eligibility_cutoff
        if locked.built_year < cutoff.year:
            raise ValidationError(
                {"admission_reason": _("该小区建成于%(year)s年，早于截止日，无须破格纳入。") % {"year": locked.built_year}}
            )
        locked.admission_reason = reason
        locked.admitted_by = actor
        locked.admitted_at = timezone.now()
        locked.save(update_fields=["admission_reason", "admitted_by", "admitted_at", "updated_at"])
        audit(actor=actor, action="neighbourhood_admit", target=locked, summary=reason)
    assert locked.eligibility_under(cutoff) == EligibilityStatus.ADMITTED
    return locked
