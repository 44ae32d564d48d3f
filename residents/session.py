"""The resident's session: signed in with the household code, no account.

The session stores the household id and the first characters of its code hash: when staff
regenerate the code (a slip was lost), every session opened with the old one ends by itself.
Signing in rotates the session key (no fixation).
"""

import functools

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

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


def session_claim(request):
    """What the session says without reading the household: (household id, code check), or None
    when no household is signed in. A caller that reads the household's row itself (in the same
    statement as its write, surveys.services.demand_submit_quick) checks it with code_still_valid;
    on any doubt it goes through current_household, which signs a stale session out."""
    household_id = request.session.get(HOUSEHOLD_KEY)
    if not household_id:
        return None
    return household_id, request.session.get(CODE_KEY)


def code_still_valid(access_code_hash, code_check):
    """Whether a session's code check still matches the household's stored code hash (staff have
    not issued a new code since the session signed in)."""
    return bool(access_code_hash) and access_code_hash[:_CHECK_LENGTH] == code_check


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
    if household is None or not code_still_valid(household.access_code_hash, request.session.get(CODE_KEY)):
        sign_out(request)
        return None
    return household


def redirect_to_entry(request):
    """To the household-code entry page, and back to this page once signed in."""
    return redirect(reverse("residents:entry") + "?" + urlencode({"next": request.get_full_path()}))


def household_required(view):
    """A resident page that needs the household code: the view is called with the signed-in
    household (with its places, see current_household) after the request; a visitor without one
    is sent to the entry page (redirect_to_entry)."""

    @functools.wraps(view)
    def with_household(request, *args, **kwargs):
        household = current_household(request)
        if household is None:
            return redirect_to_entry(request)
        return view(request, household, *args, **kwargs)

    return with_household
