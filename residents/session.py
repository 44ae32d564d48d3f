"""The resident's session: signed in with the household code, no account.

The session stores the household id and the first characters of its code hash: when staff
regenerate the code (a slip was lost), every session opened with the old one ends by itself.
Signing in rotates the session key (no fixation).
"""

from .models import Household

HOUSEHOLD_KEY = "resident_household_id"
CODE_KEY = "resident_code_check"
_CHECK_LENGTH = 16


def sign_in(request, household):
    request.session.cycle_key()
    request.session[HOUSEHOLD_KEY] = household.pk
    request.session[CODE_KEY] = household.access_code_hash[:_CHECK_LENGTH]


def sign_out(request):
    request.session.pop(HOUSEHOLD_KEY, None)
    request.session.pop(CODE_KEY, None)
    request.session.cycle_key()


def current_household(request, *, related=True):
    """The signed-in household (with neighbourhood, building and stairwell unless `related` is
    False: a write that needs only the household's own row), or None. One query when a household
    id is in the session, none otherwise."""
    household_id = request.session.get(HOUSEHOLD_KEY)
    if not household_id:
        return None
    households = Household.objects.filter(pk=household_id).order_by()  # one row: no ORDER BY
    if related:
        households = households.select_related("neighbourhood", "building", "stairwell")
    household = next(iter(households[:1]), None)
    if (
        household is None
        or not household.access_code_hash
        or (household.access_code_hash[:_CHECK_LENGTH] != request.session.get(CODE_KEY))
    ):
        sign_out(request)
        return None
    return household
