"""Reads about households."""
from .codes import code_matches, split_code
from .models import Household


def household_for_code(raw_code):
    """The household whose current access code is `raw_code`, or None.

    Tolerates case, spaces, dashes and look-alike characters. A regenerated code replaces the old
    one, which then finds nothing.
    """
    locator, normalised = split_code(raw_code)
    if locator is None:
        return None
    household = (
        Household.objects.select_related("neighbourhood", "building", "stairwell")
        .filter(access_code_locator=locator)
        .first()
    )
    if household is None or not code_matches(normalised, household.access_code_hash):
        return None
    return household
