"""Writes of the projects app. Each service: keyword-only arguments, an explicit actor, one
transaction, an audit row. The lifecycle's service is projects.lifecycle.project_transition."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.scoping import can_manage
from governance.services import audit

from . import gates
from .choices import Stage
from .models import CatalogueItem, Project, ProjectTransition
from .permissions import can_manage_catalogue_item, can_manage_district

CATALOGUE_FIELDS = ("code", "name", "work_class", "unit", "reference_unit_cost", "description", "sort_order")


def catalogue_item_save(*, item, actor):
    """Create or update a menu item. A district item is written by staff who manage its district;
    a national item (no district) only by a superuser. Returns the saved item."""
    with transaction.atomic():
        if item.pk:
            stored = CatalogueItem.objects.select_for_update().get(pk=item.pk)
            if not can_manage_catalogue_item(actor, stored):
                raise PermissionDenied
            if stored.district_id != item.district_id and not actor.is_superuser:
                raise ValidationError({"district": _("不能更改菜单项目所属的区。")})
        if item.district_id is None:
            if not actor.is_superuser:
                raise ValidationError({"district": _("请选择增补该项目的区；国家菜单项目只能由系统管理员维护。")})
        elif not can_manage_district(actor, item.district):
            raise ValidationError({"district": _("您不能为该区增补菜单项目。")})
        item.full_clean()
        created = item.pk is None
        item.save()
        audit(
            actor=actor,
            action="catalogue_item_add" if created else "catalogue_item_change",
            target=item,
            summary=item.name,
        )
    return item


def catalogue_item_retire(*, item, actor, active=False):
    """Retire a menu item (or bring it back with active=True). Retired items stay on the projects
    that use them and are no longer offered for new scope lines."""
    with transaction.atomic():
        locked = CatalogueItem.objects.select_for_update().get(pk=item.pk)
        if not can_manage_catalogue_item(actor, locked):
            raise PermissionDenied
        locked.active = active
        locked.save(update_fields=["active"])
        audit(actor=actor, action="catalogue_item_retire" if not active else "catalogue_item_restore", target=locked,
              summary=locked.name)
    return locked


# ---- the lifecycle -------------------------------------------------------------------------


class TransitionRefused(Exception):
    """A stage move was refused; `reasons` lists every reason (Chinese, for the user)."""

    def __init__(self, reasons):
        self.reasons = list(reasons)
        super().__init__("; ".join(str(r) for r in self.reasons))


def project_transition(*, project, to, actor, note=""):
    """Move `project` to stage `to`.

    Locks the project row, checks the transition table and every gate (projects.gates), then
    writes the new stage (remembering the stage a suspended project came from), a
    ProjectTransition row and an audit row, in one transaction; the registered listeners run after
    commit. Refuses: an actor who does not manage the project (PermissionDenied); a move the table
    or a gate forbids (TransitionRefused carrying every reason). Returns the transition row.
    """
    note = (note or "").strip()
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if not can_manage(actor, locked):
            raise PermissionDenied
        reasons = gates.transition_reasons(locked, to, note)
        if reasons:
            raise TransitionRefused(reasons)
        from_stage = locked.stage
        locked.stage_before_suspension = from_stage if to == Stage.SUSPENDED else ""
        locked.stage = to
        locked.save(update_fields=["stage", "stage_before_suspension", "updated_at"])
        row = ProjectTransition.objects.create(
            project=locked, from_stage=from_stage, to_stage=to, actor=actor if actor.pk else None, note=note
        )
        audit(
            actor=actor,
            action="project_transition",
            target=locked,
            summary=f"{from_stage} → {to}",
            details={"from": from_stage, "to": to, "note": note},
        )
        for listener in gates.listeners():
            transaction.on_commit(
                lambda listener=listener: listener(project_id=locked.pk, from_stage=from_stage, to_stage=to)
            )
    project.stage = locked.stage
    project.stage_before_suspension = locked.stage_before_suspension
    return row
