"""Writes on the territory. Each service: keyword-only arguments, an explicit actor, one
transaction, an audit row."""
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import totals
from .choices import EligibilityStatus
from .models import AuditEntry, LoginCounter, Neighbourhood
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


def audit_insert_sql(*, target_id_sql, from_sql, details_sql="%s::jsonb"):
    """The audit row of a write made in one SQL statement, as an `INSERT ... SELECT` for one of its
    WITH clauses (the row audit() writes): `target_id_sql` is the target's id in that statement
    (e.g. a clause's RETURNING column), `from_sql` what the SELECT reads it from, and
    `details_sql` the details, one %s taking audit_insert_params' details (a clause may add keys,
    e.g. `%s::jsonb || jsonb_build_object(...)`). Its parameters: audit_insert_params()."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("at", "actor_id", "action", "target_type", "target_id", "summary", "details"))
    return (
        f"INSERT INTO {qn(AuditEntry._meta.db_table)} ({columns}) "
        f"SELECT %s, %s, %s, %s, ({target_id_sql})::text, %s, {details_sql} FROM {from_sql}"
    )


def audit_insert_params(*, actor, action, target_type, summary="", details=None):
    """The parameters of audit_insert_sql, in its order, with audit()'s rules (an actor only when
    it is a saved user, the summary cut to 300 characters)."""
    return [
        timezone.now(),
        getattr(actor, "pk", None),
        action,
        target_type,
        summary[:300],
        json.dumps(details or {}),
    ]


def save_audited(instance, *, actor, action, summary="", details=None):
    """Check (full_clean) and save `instance`, then write its audit row. Returns the instance."""
    instance.full_clean()
    instance.save()
    audit(actor=actor, action=action, target=instance, summary=summary, details=details)
    return instance


def delete_rows(rows, *, parent, field):
    """Delete those of `rows` (rows a page marked deleted) that belong to `parent` through their
    foreign key `field`; the others are left alone. Returns how many were deleted."""
    removed = 0
    for row in rows:
        if row.pk is not None and getattr(row, f"{field}_id") == parent.pk:
            type(row)._default_manager.filter(pk=row.pk, **{field: parent}).delete()
            removed += 1
    return removed

def changed_fields(stored, instance):
    """The names of the concrete fields whose values differ between `stored` and `instance`; none
    when there is no stored row (a new one)."""
    if stored is None:
        return []
    return [
        field.name
        for field in instance._meta.concrete_fields
        if not field.primary_key and getattr(stored, field.attname) != getattr(instance, field.attname)
    ]


def lock_stored(instance, actor):
    """For a write that creates or changes `instance`: its stored row, locked for the transaction
    (None when `instance` is new or its row is gone). Refuses an actor who does not manage the
    row as stored (PermissionDenied)."""
    if instance.pk is None:
        return None
    stored = type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    if stored is not None and not can_manage(actor, stored):
        raise PermissionDenied
    return stored


def save_managed(instance, actor):
    """Check (full_clean) and save `instance`, then refuse an actor who does not manage it as it
    now stands (PermissionDenied; the caller's transaction undoes the save), so a row is never
    created in, nor moved into, a territory the actor does not manage."""
    instance.full_clean()
    instance.save()
    if not can_manage(actor, instance):
        raise PermissionDenied


def recount_neighbourhood_totals(neighbourhood_ids=None):
    """Recount the stored totals (buildings, households, floor area) of the neighbourhoods
    `neighbourhood_ids` (None: every one) from the raw rows and store them; returns how many were
    recounted. For bulk writers that bypass the services (the demo seed, a bulk load): call it once
    after writing. One transaction (or the caller's); the neighbourhood rows are locked first.
    No audit row: it changes no fact, only the stored sums of facts already audited."""
    with transaction.atomic():
        return totals.recount(neighbourhood_ids)


def neighbourhood_totals_mismatches(neighbourhood_ids=None):
    """The stored totals that differ from a recount: (neighbourhood id, field, stored, counted)."""
    return totals.mismatches(neighbourhood_ids)


def _lock_counted_neighbourhoods(instance):
    """Before a tracked row (a building, stairwell or household) is locked and written: lock the
    neighbourhoods whose totals the write may change (where the row is stored and where it goes),
    in id order, as every writer of those totals does. Returns their ids."""
    ids = {totals.neighbourhood_of(instance)}
    if instance.pk is not None:
        stored = type(instance)._default_manager.filter(pk=instance.pk).first()
        if stored is not None:
            ids.add(totals.neighbourhood_of(stored))
    ids.discard(None)
    totals.lock_neighbourhoods(ids)
    return ids


def territory_record_save(*, instance, actor):
    """Create or change one row of a territorial model (a district, street, community,
    neighbourhood, building, stairwell, household: any model with `territory_lookups`), as the
    admin pages do. Returns the instance.

    Refuses, writing nothing: an actor who does not manage the row as stored (a change) or as it
    stands after the write, so a row is never created in, nor moved into or out of, a territory the
    actor does not manage (PermissionDenied); invalid values, checked by full_clean whoever calls
    (ValidationError). One transaction, the stored row locked; one audit row: "create" naming the
    row, or "change" naming the changed fields (their names only: never an ID number's hash or a
    phone number). A change that changes nothing writes nothing.
    """
    model = type(instance)
    with transaction.atomic():
        counted = _lock_counted_neighbourhoods(instance) if totals.saves_may_move(model) else ()
        stored = lock_stored(instance, actor)
        if isinstance(instance, Neighbourhood) and stored is not None:
            # The stored totals are the services' own: a form's stale copy never overwrites them.
            for name in totals.TOTAL_FIELDS:
                setattr(instance, name, getattr(stored, name))
        fields = changed_fields(stored, instance)
        if stored is not None and not fields:
            return instance
        save_managed(instance, actor)
        if counted and totals.moves_totals(stored, instance):
            totals.recount({*counted, totals.neighbourhood_of(instance)})
        if stored is None:
            audit(actor=actor, action="create", target=instance, summary=str(instance))
        else:
            audit(
                actor=actor,
                action="change",
                target=instance,
                summary=", ".join(fields),
                details={"fields": fields},
            )
    return instance


def territory_record_delete(*, instance, actor):
    """Delete one row of a territorial model (and what Django cascades from it), as the admin
    pages do. Refuses an actor who does not manage the row (PermissionDenied, nothing deleted).
    A row already gone is left alone. One transaction; one audit row "delete" naming the row,
    written before it goes (its id is kept in the row)."""
    model = type(instance)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().filter(pk=instance.pk).first()
        if locked is None:
            return
        if not can_manage(actor, locked):
            raise PermissionDenied
        audit(actor=actor, action="delete", target=locked, summary=str(locked))
        counted = totals.neighbourhood_of(locked) if totals.is_tracked(model) else None
        if counted is not None:
            totals.lock_neighbourhoods([counted])
        locked.delete()
        if counted is not None:
            totals.recount([counted])


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


def login_counters_unlock(*, counters, actor):
    """Unlock failed-login counters (governance.logins): each is deleted, so its account or
    client starts afresh. Superusers only (PermissionDenied otherwise, nothing deleted). One
    transaction; one audit row per counter, naming the account and the client. Returns how many
    were unlocked (counters already gone are skipped)."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied
    with transaction.atomic():
        rows = list(LoginCounter.objects.select_for_update().filter(pk__in=[c.pk for c in counters]).order_by("pk"))
        for row in rows:
            audit(
                actor=actor,
                action="login_unlock",
                target=row,
                summary=str(row),
                details={"kind": row.kind, "username": row.username, "client": row.client, "failures": row.failures},
            )
            row.delete()
    return len(rows)
