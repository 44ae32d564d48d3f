"""Who may see what of the governance app's own rows (the territory itself is scoped by
governance.scoping.scope)."""

from django.apps import apps
from django.db.models import BigIntegerField, Case, Exists, OuterRef, Q, When
from django.db.models.functions import Cast

from .models import AuditEntry
from .scoping import scope, territory_of


def territorial_models():
    """Every installed model that declares `territory_lookups` (the ones `scope` can filter)."""
    return [model for model in apps.get_models() if hasattr(model, "territory_lookups")]


def audit_entries_visible_to(actor):
    """The audit rows `actor` may read: a superuser reads all; a staff member reads the rows of the
    objects they may see now (through `scope`, one EXISTS per territorial model, matched by type
    first) and the rows of their own writes (also of what they deleted since); anybody else,
    nothing. A row whose target is not territorial (a user account, a whole-system run) is read by
    superusers only."""
    territory = territory_of(actor)
    rows = AuditEntry.objects.all()
    if territory.is_everything:
        return rows
    if territory.is_empty:
        return rows.none()
    # Every target id is a primary key written as text; CASE keeps the cast from ever meeting
    # anything else, whatever order the database evaluates the conditions in.
    rows = rows.annotate(
        target_pk=Case(
            When(target_id__regex=r"^[0-9]{1,18}$", then=Cast("target_id", BigIntegerField())),
            default=None,
            output_field=BigIntegerField(),
        )
    )
    visible = Q(actor=actor)
    for model in territorial_models():
        seen = scope(model._default_manager.all(), actor).filter(pk=OuterRef("target_pk"))
        visible |= Q(Exists(seen), target_type=model._meta.label_lower)
    return rows.filter(visible)
