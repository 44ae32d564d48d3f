"""Limits on household-code attempts, per client IP and per household locator, kept in Django's
cache (Redis in CI and production, so every worker shares the counts; local memory otherwise).

A failed attempt counts against the client's address and, when what was typed has the shape of
a code, against its locator (the first five characters, which name one household). Past the
limit within the window, attempts are refused without checking the code, with a message saying
how many minutes remain. A successful sign-in clears the locator's count (not the address's: a
shared address, say a community centre's, still cannot try many households).

The client address is REMOTE_ADDR: behind a reverse proxy, the proxy must set it (e.g. gunicorn's
forwarded-allow-ips), never a header a client could forge.
"""

import math
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from .codes import split_code
from .selectors import household_for_code

WINDOW_SECONDS = 15 * 60
LIMIT_PER_CLIENT = 20
LIMIT_PER_HOUSEHOLD = 5


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or "unknown"


def _keys(request, raw_code):
    keys = [(f"code-attempts:ip:{client_ip(request)}", LIMIT_PER_CLIENT)]
    locator, _normalised = split_code(raw_code)
    if locator:
        keys.append((f"code-attempts:loc:{locator}", LIMIT_PER_HOUSEHOLD))
    return keys


def refusal(request, raw_code):
    """None when an attempt may be checked now, else the message telling when to try again."""
    now = time.time()
    wait = 0
    for key, limit in _keys(request, raw_code):
        count = cache.get(key) or 0
        if count >= limit:
            started = cache.get(key + ":start") or now
            wait = max(wait, WINDOW_SECONDS - (now - started))
    if wait <= 0:
        return None
    minutes = max(1, math.ceil(wait / 60))
    return _("尝试次数过多，请%(minutes)d分钟后再试。") % {"minutes": minutes}


def record_failure(request, raw_code):
    """Count one failed attempt against the client and the locator (atomic increments)."""
    now = time.time()
    for key, _limit in _keys(request, raw_code):
        if cache.add(key, 0, timeout=WINDOW_SECONDS):
            cache.set(key + ":start", now, timeout=WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS)
            cache.set(key + ":start", now, timeout=WINDOW_SECONDS)


def record_success(request, raw_code):
    locator, _normalised = split_code(raw_code)
    if locator:
        cache.delete_many([f"code-attempts:loc:{locator}", f"code-attempts:loc:{locator}:start"])


def reset(*, ips=(), locators=()):
    """Forget the counts of the given client addresses and locators (staff unlocking a household;
    tests). Touches only those keys, never the rest of the cache."""
    keys = [f"code-attempts:ip:{ip}" for ip in ips] + [f"code-attempts:loc:{loc}" for loc in locators]
    cache.delete_many(keys + [key + ":start" for key in keys])


class CodeRefused(Exception):
    """A household code that was not accepted: `message` for the form's code field and the HTTP
    `status` the page answers with (429 past the limit, 400 for a wrong code)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status


def household_for_code_guarded(request, raw_code, *, neighbourhood_id=None):
    """The household whose code was typed, checked under the attempt limits; raises CodeRefused.

    Every public form that takes a household code goes through here, so the limits cannot be
    bypassed by a form that forgot them. Past the limit the code is not checked at all. With
    `neighbourhood_id`, a valid code of another neighbourhood counts as a wrong one (and says the
    same), so the form does not reveal that the code exists elsewhere."""
    message = refusal(request, raw_code)
    if message:
        raise CodeRefused(message, 429)
    household = household_for_code(raw_code)
    if household is None or (neighbourhood_id is not None and household.neighbourhood_id != neighbourhood_id):
        record_failure(request, raw_code)
        raise CodeRefused(_("户码不正确，请核对社区发放的户码后重新输入。"), 400)
    record_success(request, raw_code)
    return household
