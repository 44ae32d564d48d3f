"""Writes on households. Keyword-only arguments, an explicit actor, one transaction, an audit row.

Access codes are returned in clear exactly once, by the service that issues them; only their keyed
hash is stored (see residents.codes). No code ever reaches the audit row, a log or the session.

Lock order, shared by every writer of access codes so two of them never deadlock and never lose
each other's codes: the neighbourhood row first, then its households.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from governance.models import Neighbourhood
from governance.scoping import can_manage
from governance.services import audit, territory_record_save

from .codes import code_hash, new_code
from .models import Household

CODE_FIELDS = ["access_code_locator", "access_code_hash", "access_code_issued_at", "updated_at"]
# A locator drawn at the same moment by a concurrent issue elsewhere fails the unique constraint
# at write time; the whole draw is then redone (a handful of times at most, it is that rare).
_WRITE_ATTEMPTS = 3
# Largest IN (...) list sent in one query while checking locators (well below SQLite's limit).
_CLASH_CHUNK = 1000


@dataclass(frozen=True)
class IssuedCode:
    household: Household
    code: str


def _natural_key(text):
    """'2栋' before '10栋': digit runs compare as numbers."""
    parts = [part for part in re.split(r"(\d+)", text or "") if part]
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts]


def _household_order(household):
    return (
        _natural_key(household.building.name),
        _natural_key(household.stairwell.name if household.stairwell_id else ""),
        household.floor if household.floor is not None else -1,
        _natural_key(household.room),
    )


def _taken_locators(locators, replaced):
    """Those of `locators` already held by a household outside the queryset `replaced` (whose
    codes are being replaced, so their locators are free again)."""
    taken = set()
    for start in range(0, len(locators), _CLASH_CHUNK):
        chunk = locators[start : start + _CLASH_CHUNK]
        taken.update(
            Household.objects.filter(access_code_locator__in=chunk)
            .exclude(pk__in=replaced.values("pk"))
            .values_list("access_code_locator", flat=True)
        )
    return taken


def _draw_codes(households, *, replaced):
    """A fresh code for each of `households`, set on the instances (not saved). Returns them as
    IssuedCode, in the order given.

    Locators are unique across all households: each round draws locators distinct from each other
    and from those already given out in this call, checks them against the database in one query
    per chunk, and redraws the clashing ones. `replaced` is a queryset of the households whose
    codes this call replaces; their old locators do not count as taken.
    """
    now = timezone.now()
    codes = {}
    given = set()
    pending = list(households)
    while pending:
        drawn = []
        for _ in pending:
            locator, code = new_code()
            while locator in given:
                locator, code = new_code()
            given.add(locator)
            drawn.append((locator, code))
        taken = _taken_locators([locator for locator, _ in drawn], replaced)
        retry = []
        for household, (locator, code) in zip(pending, drawn):
            if locator in taken:
                retry.append(household)
                continue
            household.access_code_locator = locator
            household.access_code_hash = code_hash(code)
            household.access_code_issued_at = now
            household.updated_at = now
            codes[household.pk] = code
        pending = retry
    return [IssuedCode(household, codes[household.pk]) for household in households]


def _write_codes(households):
    """Store the code fields of `households` (instances) in one prepared UPDATE run per row.

    Not bulk_update: it builds a CASE WHEN per row and field, and resolving those expressions is
    slow ORM work. Measured on a busy 2-core machine, issuing 5,004 flats took ~8 s (SQLite) and
    ~19 s (PostgreSQL) with bulk_update, ~1.5 s and ~4.5 s with this. The statement is plain SQL
    that every backend runs, with values prepared by the fields themselves.
    """
    fields = [Household._meta.get_field(name) for name in CODE_FIELDS]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        qn(Household._meta.db_table),
        ", ".join(f"{qn(field.column)} = %s" for field in fields),
        qn(Household._meta.pk.column),
    )
    params = []
    for household in households:
        values = [field.get_db_prep_save(getattr(household, field.attname), connection) for field in fields]
        params.append([*values, household.pk])
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _issue_codes(households, *, replaced):
    """Draw and write a new code for each of `households` (instances, locked by the caller),
    replacing the codes of the queryset `replaced` (which holds them all). Returns IssuedCode items
    in the order given. Must run inside the caller's transaction."""
    for attempt in range(_WRITE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a clash undoes this attempt only
                issued = _draw_codes(households, replaced=replaced)
                # Clear the old locators first so a new code may reuse an old one's value.
                replaced.update(access_code_locator=None)
                _write_codes(households)
            return issued
        except IntegrityError:
            if attempt == _WRITE_ATTEMPTS - 1:
                raise


def household_codes_issue(*, neighbourhood, actor):
    """Give every household of `neighbourhood` a new access code, replacing any earlier one (which
    stops working at once). Returns the codes in clear, once, as IssuedCode items ordered by
    building, stairwell, floor and room (numbers in names compare as numbers); each household has
    its neighbourhood, building and stairwell loaded. Only hashes are stored.

    Refuses an actor who does not manage the neighbourhood (PermissionDenied). One transaction;
    one audit row on the neighbourhood, holding the number of codes and never a code.
    """
    with transaction.atomic():
        locked = Neighbourhood.objects.select_for_update().get(pk=neighbourhood.pk)
        if not can_manage(actor, locked):
            raise PermissionDenied
        replaced = Household.objects.filter(neighbourhood=locked)
        households = sorted(
            replaced.select_related("neighbourhood", "building", "stairwell").select_for_update(of=("self",)),
            key=_household_order,
        )
        issued = _issue_codes(households, replaced=replaced)
        audit(
            actor=actor,
            action="household_codes_issue",
            target=locked,
            summary=f"{len(issued)} codes",
            details={"count": len(issued)},
        )
    return issued


def household_code_issue_one(*, household, actor):
    """Give one household a new access code, replacing its earlier one (which stops working at
    once). Returns the code in clear, once; only its hash is stored.

    Refuses an actor who does not manage the household (PermissionDenied). One transaction; one
    audit row on the household, never holding the code.
    """
    with transaction.atomic():
        Neighbourhood.objects.select_for_update().filter(pk=household.neighbourhood_id).first()
        locked = Household.objects.select_for_update().get(pk=household.pk)
        if not can_manage(actor, locked):
            raise PermissionDenied
        (issued,) = _issue_codes([locked], replaced=Household.objects.filter(pk=locked.pk))
        audit(
            actor=actor,
            action="household_code_issue_one",
            target=locked,
            summary="1 code",
            details={"count": 1},
        )
    for field in CODE_FIELDS:
        setattr(household, field, getattr(locked, field))
    return issued.code


def household_codes_issue_selected(*, household_ids, actor):
    """Give each of the households `household_ids` a new access code, replacing its earlier one
    (which stops working at once): what staff do when a few residents lost their slips, without
    touching the rest of the neighbourhood. Returns the codes in clear, once, as IssuedCode items
    grouped by neighbourhood (in id order) and ordered as on the printed sheet within it; each
    household has its neighbourhood, building and stairwell loaded. Only hashes are stored.

    Refuses, changing nothing: an id that names no household (Household.DoesNotExist), and an
    actor who does not manage every one of them (PermissionDenied). One transaction; one audit
    row per household (as household_code_issue_one), never holding a code.
    """
    wanted = set(household_ids)
    with transaction.atomic():
        households = list(
            Household.objects.filter(pk__in=wanted).select_related("neighbourhood", "building", "stairwell")
        )
        if len(households) != len(wanted):
            raise Household.DoesNotExist
        # The lock order of every code writer: neighbourhood first, then its households.
        households.sort(key=lambda h: (h.neighbourhood_id, _household_order(h)))
        return [IssuedCode(h, household_code_issue_one(household=h, actor=actor)) for h in households]


def household_save(*, household, actor):
    """Create or change one household, as the admin pages (its own and its building's) do.

    The household's neighbourhood is set to its building's (the field repeats it for fast reads).
    The owner's ID number arrives as its keyed hash only, already on `household.owner_id_hash`
    (residents.identity.id_number_hash); its value, like the phone's, never reaches the audit row.
    Otherwise as governance.services.territory_record_save: refuses an actor who does not manage
    the household where it was or where it goes (PermissionDenied) and invalid values
    (ValidationError); one transaction, one audit row.
    """
    if household.building_id is not None:
        household.neighbourhood_id = household.building.neighbourhood_id
    return territory_record_save(instance=household, actor=actor)
