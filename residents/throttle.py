"""Limits on household-code guessing: per client, with growing delays; never per household.

A code has 40 secret bits (residents.codes), so guessing one is hopeless at the rates allowed here
(the arithmetic is in the README, "Household codes"). What these limits must never do is refuse a
correct code because of someone else's mistakes: there is no lock on a household (anyone knowing
a code's printed prefix could otherwise keep that family from voting), only counters of the
wrong codes each client typed:

- the device: a random id in a signed cookie (DEVICE_COOKIE). A few wrong codes are free, then
  each further attempt waits a delay that doubles up to a cap. A successful sign-in forgets the
  device's count (its resident has found their slip). A client that drops the cookie is counted by
  its address alone;
- the address (governance.clients.client_network: IPv4 address, IPv6 /64): a much larger free
  allowance, sized for a community centre's evening where many residents share one Wi-Fi, then
  the same doubling delays with a short cap. A correct code gives its attempt back (it was no
  guess) but does not clear the address: one valid code must not let anyone reset it.

Each counter is forgotten some time after its last wrong code. Typing something that cannot be a
code (wrong length, foreign characters) is no guess and is not counted.

Atomic: an attempt is first counted as wrong, under a row lock on its counters, and only then
checked (the count is given back when it was right). So parallel attempts cannot all slip past the
same "not yet over the limit" read: 60 wrong codes sent at once get exactly the free allowance
checked, the rest are refused before checking. The counters are rows of AttemptCounter, so every
worker and process shares them, with or without Redis.
"""
import datetime
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.backoff import Backoff, wait_message
from governance.clients import client_network

from .codes import split_code
from .models import AttemptCounter
from .selectors import household_for_code

DEVICE_COOKIE = "household_device"
DEVICE_COOKIE_SALT = "residents.throttle.device"
DEVICE_COOKIE_MAX_AGE = 30 * 24 * 3600


@dataclass(frozen=True)
class Rule(Backoff):
    """A Backoff on wrong household codes, counted per `kind` of key (a device or an address):
    after the n-th wrong code past `free`, the next attempt waits first_delay × 2^n seconds."""

    kind: str


DEVICE_RULE = Rule("device", free=5, first_delay=10, max_delay=15 * 60, forget_after=3600)
ADDRESS_RULE = Rule("address", free=200, first_delay=1, max_delay=60, forget_after=12 * 3600)


class CodeRefused(Exception):
    """A household code that was not accepted: `message` for the form's code field, the HTTP
    `status` the page answers with (429 while the client must wait, 400 for a wrong code) and,
    with 429, `retry_after` in whole seconds for the Retry-After header."""

    def __init__(self, message, status, retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


# ---- the client --------------------------------------------------------------------------------


def _device_id(request):
    """The device id from the signed cookie, or None (no cookie, or one we did not sign)."""
    try:
        value = request.get_signed_cookie(
            DEVICE_COOKIE, default=None, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if value and len(value) <= 32 and value.isalnum():
        return value
    return None


def with_device_cookie(view):
    """Give the response a device id cookie when the request had none (views taking codes)."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if _device_id(request) is None:
            response.set_signed_cookie(
                DEVICE_COOKIE,
                secrets.token_hex(16),
                salt=DEVICE_COOKIE_SALT,
                max_age=DEVICE_COOKIE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _counters(request):
    """[(counter key, rule)] of this request, sorted by key (the order rows are locked in)."""
    counters = [(f"net:{client_network(request)}", ADDRESS_RULE)]
    device = _device_id(request)
    if device:
        counters.append((f"dev:{device}", DEVICE_RULE))
    return sorted(counters, key=lambda pair: pair[0])


# ---- the counters ------------------------------------------------------------------------------


@dataclass
class _Reservation:
    """An attempt counted as wrong before its check: what to give back if it was right."""

    stamp: datetime.datetime
    previous: dict  # key -> (failures, last_failure_at) before this attempt
    rules: dict  # key -> Rule


def _locked_rows(counters):
    """The counters' rows, created when missing, locked in key order (no deadlock between two
    attempts locking the same pair)."""
    keys = [key for key, _rule in counters]
    AttemptCounter.objects.bulk_create(
        [AttemptCounter(key=key, expires_at=timezone.now()) for key in keys], ignore_conflicts=True
    )
    locked = AttemptCounter.objects.select_for_update().filter(key__in=keys).order_by("key")
    return {row.key: row for row in locked}


def _wait_seconds(rows, counters, now):
    wait = 0.0
    for key, rule in counters:
        row = rows[key]
        delay = rule.delay_after(row.failures)
        if delay and row.last_failure_at is not None:
            ready = row.last_failure_at + datetime.timedelta(seconds=delay)
            wait = max(wait, (ready - now).total_seconds())
    return wait


def _reserve(counters):
    """Count one attempt as wrong on every counter, unless one of them says to wait: then
    return the seconds to wait and count nothing. Returns (reservation or None, wait). The time
    is read once the rows are locked, so it never runs behind a stamp already written."""
    with transaction.atomic():
        rows = _locked_rows(counters)
        now = timezone.now()
        for row in rows.values():
            if row.expires_at <= now:  # forgotten: start afresh
                row.failures, row.last_failure_at = 0, None
        wait = _wait_seconds(rows, counters, now)
        if wait > 0:
            return None, wait
        reservation = _Reservation(stamp=now, previous={}, rules=dict(counters))
        for key, rule in counters:
            row = rows[key]
            reservation.previous[key] = (row.failures, row.last_failure_at)
            row.failures += 1
            row.last_failure_at = now
            row.expires_at = now + datetime.timedelta(seconds=rule.forget_after)
            row.save(update_fields=["failures", "last_failure_at", "expires_at"])
    return reservation, 0


def _give_back(reservation):
    """The reserved attempt was a correct code: the device forgets its count, the address
    takes back this one attempt (and its delay, unless a later wrong code set one)."""
    with transaction.atomic():
        rows = AttemptCounter.objects.select_for_update().filter(key__in=list(reservation.rules)).order_by("key")
        for row in rows:
            if reservation.rules[row.key].kind == "device":
                row.failures, row.last_failure_at = 0, None
            else:
                row.failures = max(0, row.failures - 1)
                if row.last_failure_at == reservation.stamp:
                    row.last_failure_at = reservation.previous[row.key][1]
            row.save(update_fields=["failures", "last_failure_at"])


def _purge_expired(now):
    """Delete forgotten counters (a bounded table; the rows are worthless once expired)."""
    try:
        with transaction.atomic():
            AttemptCounter.objects.filter(expires_at__lt=now - datetime.timedelta(minutes=5)).delete()
    except DatabaseError:  # another attempt holds one of them: it will be purged next time
        pass


def _wait_message(wait):
    """The refusal, saying how long to wait and until when (local time)."""
    return wait_message(
        wait,
        _("错误户码次数过多，请等待%(seconds)d秒，%(time)s之后再试。"),
        _("错误户码次数过多，请等待%(minutes)d分钟，%(time)s之后再试。"),
    )


def household_for_code_guarded(request, raw_code, *, neighbourhood_id=None):
    """The household whose code was typed, checked under the client's limits; raises CodeRefused.

    Every public form that takes a household code goes through here, so the limits cannot be
    bypassed by a form that forgot them. While the client must wait, the code is not checked at
    all (429, with the seconds to wait). With `neighbourhood_id`, a valid code of another
    neighbourhood counts as a wrong one (and says the same), so the form does not reveal that the
    code exists elsewhere."""
    wrong = CodeRefused(_("户码不正确，请核对社区发放的户码后重新输入。"), 400)
    locator, _normalised = split_code(raw_code)
    if locator is None:
        raise wrong  # cannot be a code: no guess, nothing counted
    reservation, wait = _reserve(_counters(request))
    if reservation is None:
        seconds = max(1, math.ceil(wait))
        raise CodeRefused(_wait_message(seconds), 429, retry_after=seconds)
    household = household_for_code(raw_code)
    if household is None or (neighbourhood_id is not None and household.neighbourhood_id != neighbourhood_id):
        if any(previous == (0, None) for previous in reservation.previous.values()):
            _purge_expired(reservation.stamp)  # a new counter was started: tidy the forgotten ones
        raise wrong
    _give_back(reservation)
    return household
