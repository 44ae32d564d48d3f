"""Writes of grid roles (the five heads and grid workers): keyword-only arguments, an explicit
actor, one transaction, one audit row that names the changed fields and the coverage counts,
never the phone."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .scoping import can_manage
from .services import audit, changed_fields, lock_stored


def grid_role_save(*, role, actor, buildings=None, stairwells=None):
    """Create or change a grid role; `buildings` / `stairwells` (None: unchanged) are what it
    covers, all of the role's own neighbourhood.

    Refuses, writing nothing: an actor who does not manage the role as stored or as it stands
    after the write (PermissionDenied); invalid values (ValidationError from full_clean); a
    building or stairwell of another neighbourhood (ValidationError naming it, on its field)."""
    with transaction.atomic():
        stored = lock_stored(role, actor)
        fields = changed_fields(stored, role)
        role.full_clean()
        errors = {}
        if buildings is not None:
            buildings = list(buildings)
            strangers = [b for b in buildings if b.neighbourhood_id != role.neighbourhood_id]
            if strangers:
                errors["buildings"] = _("楼栋须属于本小区：%(names)s。") % {"names": "、".join(str(b) for b in strangers)}
        if stairwells is not None:
            stairwells = list(stairwells)
            strangers = [s for s in stairwells if s.building.neighbourhood_id != role.neighbourhood_id]
            if strangers:
                errors["stairwells"] = _("单元须属于本小区：%(names)s。") % {
                    "names": "、".join(f"{s.building}{s}" for s in strangers)
                }
        if errors:
            raise ValidationError(errors)
        role.save()
        if not can_manage(actor, role):
            raise PermissionDenied
        if buildings is not None:
            role.buildings.set(buildings)
        if stairwells is not None:
            role.stairwells.set(stairwells)
        audit(
            actor=actor,
            action="grid_role_save" if stored is not None else "grid_role_create",
            target=role,
            summary=f"{role.neighbourhood} · {role.get_kind_display()}",
            details={
                "kind": role.kind,
                "fields": fields,
                "buildings": role.buildings.count(),
                "stairwells": role.stairwells.count(),
            },
        )
    return role
