"""Writes on households. Keyword-only arguments, an explicit actor, one transaction, an audit row."""
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from governance.models import Neighbourhood
from governance.scoping import can_manage
from governance.services import audit

from .codes import code_hash, new_code
from .models import Household


@dataclass(frozen=True)
class IssuedCode:
    household: Household
    code: str


def _fresh_locators(count, taken):
    """`count` new locators, distinct from each other and from the set `taken`."""
    out = []
    seen = set(taken)
    while len(out) < count:
        locator, code = new_code()
        if locator not in seen:
            seen.add(locator)
            out.append((locator, code))
    return out


def household_codes_issue(*, neighbourhood, actor):
    """Give every household of `neighbourhood` a new access code, replacing any earlier one (which
    stops working at once). Returns the codes in clear, once: they are stored only as hashes.

    Refuses an actor who does not manage the neighbourhood. One transaction; one audit row.
    """
    with transaction.atomic():
        locked = Neighbourhood.objects.select_for_update().get(pk=neighbourhood.pk)
        if not can_manage(actor, locked):
            raise PermissionDenied
        households = list(
            Household.objects.filter(neighbourhood=locked)
            .select_related("building", "stairwell")
            .order_by("building__name", "stairwell__name", "floor", "room")
        )
        issued = []
        pending = households
        # Locators are unique across the district: draw, check the clashes in one query, redraw.
        while pending:
            candidates = _fresh_locators(len(pending), ())
            clashes = set(
                Household.objects.filter(access_code_locator__in=[loc for loc, _ in candidates])
                .exclude(neighbourhood=locked)
                .values_list("access_code_locator", flat=True)
            )
            retry = []
            for household, (locator, code) in zip(pending, candidates):
                if locator in clashes:
                    retry.append(household)
                    continue
                household.access_code_locator = locator
                household.access_code_hash = code_hash(code)
                household.access_code_issued_at = timezone.now()
                issued.append(IssuedCode(household, code))
            pending = retry
        # Clear this neighbourhood's old locators first so a new one may reuse an old one's value.
        Household.objects.filter(neighbourhood=locked).update(access_code_locator=None)
        Household.objects.bulk_update(
            households, ["access_code_locator", "access_code_hash", "access_code_issued_at"], batch_size=1000
        )
        audit(
            actor=actor,
            action="household_codes_issue",
            target=locked,
            summary=f"{len(issued)} codes",
            details={"count": len(issued)},
        )
    position = {household.pk: i for i, household in enumerate(households)}
    issued.sort(key=lambda item: position[item.household.pk])
    return issued
