"""Limits on guessing staff passwords: the admin's login and the API's token endpoint both check
credentials through login_authenticate(), never through authenticate() directly.

Two counters of failed logins, each with free failures and then a cool-off that doubles:

- the account from one client (the username as typed, casefolded, with the client's address):
  10 failures are free; the 10th locks that account for that client for 15 minutes, each further
  failure once the lock is over doubles it (30 min, 1 h, … at most 12 h). A successful login
  clears it. Forgotten 24 h after its last failure;
- the client whatever the account (password spraying over many accounts): 30 failures are free,
  then 1 min, 2 min, … at most 1 h. A successful login gives its attempt back (it was no guess)
  but does not clear it. Forgotten 24 h after its last failure.

There is no lock on an account alone: anyone could then keep a member of staff out by typing
wrong passwords with their username. Someone else's mistakes delay a correct password only past
the client allowance of their shared address. While a counter is locked the password is not
checked at all, right or wrong, and the refusal says until when. A superuser unlocks a counter
from the admin (登录失败计数, action 解除锁定: governance.services.login_counters_unlock).

The client is governance.clients.client_network (REMOTE_ADDR, or X-Forwarded-For only as written
by TRUSTED_PROXIES; IPv6 per /64), as every per-client limit of the platform.

Atomic: an attempt is first counted as failed under a row lock on its counters and only then
checked (the count is given back when the password was right), so parallel attempts cannot all
pass the same "not yet locked" read. The counters are rows (LoginCounter), shared by every worker
with or without Redis. The numbers and why: README.md, "Staff logins".
"""
import datetime
import math
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import backoff
from .backoff import Backoff
from .clients import client_network
from .models import LoginCounter


class Rule(Backoff):
    """The lock of a sign-in: a Backoff whose wait is a lock on the account and client."""

    def lock_after(self, failures):
        """Seconds of lock once `failures` failures are counted (0: not locked)."""
        return self.delay_after(failures)


ACCOUNT_CLIENT_RULE = Rule(free=10, first_delay=15 * 60, max_delay=12 * 3600, forget_after=24 * 3600)
CLIENT_RULE = Rule(free=30, first_delay=60, max_delay=3600, forget_after=24 * 3600)


def rule_of(kind):
    return ACCOUNT_CLIENT_RULE if kind == LoginCounter.Kind.ACCOUNT_CLIENT else CLIENT_RULE


MAX_USERNAME = 150


class LoginRefused(Exception):
    """Credentials not checked because a counter is locked: `message` says until when,
    `retry_after` in whole seconds (for a Retry-After header)."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _normalised_username(username):
    return (username or "").strip().casefold()[:MAX_USERNAME]


def counter_keys(request, username):
    """[(kind, username, client)] of a login attempt, in the order their rows are locked."""
    client = client_network(request)[:64]
    return sorted(
        [
            (LoginCounter.Kind.ACCOUNT_CLIENT, _normalised_username(username), client),
            (LoginCounter.Kind.CLIENT, "", client),
        ]
    )


def _locked_rows(keys):
    """The counters' rows, created when missing, locked in key order (two attempts locking the
    same rows cannot deadlock)."""
    now = timezone.now()
    LoginCounter.objects.bulk_create(
        [LoginCounter(kind=kind, username=user, client=client, expires_at=now) for kind, user, client in keys],
        ignore_conflicts=True,
    )
    rows = {}
    for kind, user, client in keys:  # in key order
        rows[(kind, user, client)] = LoginCounter.objects.select_for_update().get(
            kind=kind, username=user, client=client
        )
    return rows


@dataclass
class _Reservation:
    """An attempt counted as failed before its check: what to restore if it succeeds."""

    stamp: datetime.datetime
    previous: dict  # key -> (failures, last_failure_at, locked_until)


def _reserve(keys):
    """Count one failure on every counter, unless one is locked: then count nothing and return
    the seconds left. Returns (reservation or None, seconds to wait)."""
    with transaction.atomic():
        rows = _locked_rows(keys)
        now = timezone.now()
        wait = 0.0
        for row in rows.values():
            if row.expires_at <= now:  # forgotten: start afresh
                row.failures, row.last_failure_at, row.locked_until = 0, None, None
            if row.locked_until is not None and row.locked_until > now:
                wait = max(wait, (row.locked_until - now).total_seconds())
        if wait > 0:
            return None, wait
        reservation = _Reservation(stamp=now, previous={})
        for key, row in rows.items():
            rule = rule_of(row.kind)
            reservation.previous[key] = (row.failures, row.last_failure_at, row.locked_until)
            row.failures += 1
            row.last_failure_at = now
            lock = rule.lock_after(row.failures)
            row.locked_until = now + datetime.timedelta(seconds=lock) if lock else None
            row.expires_at = now + datetime.timedelta(seconds=rule.forget_after)
            row.save(update_fields=["failures", "last_failure_at", "locked_until", "expires_at"])
    return reservation, 0


def _give_back(keys, reservation):
    """The reserved attempt succeeded: the account's counter for this client is cleared, the
    client's takes back this one attempt (and its lock, unless a later failure set one)."""
    with transaction.atomic():
        for key in keys:
            kind, user, client = key
            row = LoginCounter.objects.select_for_update().filter(kind=kind, username=user, client=client).first()
            if row is None:  # unlocked by a superuser meanwhile
                continue
            if kind == LoginCounter.Kind.ACCOUNT_CLIENT:
                row.failures, row.last_failure_at, row.locked_until = 0, None, None
            else:
                row.failures = max(0, row.failures - 1)
                if row.last_failure_at == reservation.stamp:
                    _failures, row.last_failure_at, row.locked_until = reservation.previous[key]
            row.save(update_fields=["failures", "last_failure_at", "locked_until"])


def _purge_expired(now):
    """Delete counters forgotten for a day (the table stays bounded by recent clients)."""
    LoginCounter.objects.filter(expires_at__lt=now - datetime.timedelta(days=1)).delete()


def wait_message(seconds):
    """The refusal, saying how long to wait and until when (local time)."""
    return backoff.wait_message(
        seconds,
        _("登录失败次数过多，请等待%(seconds)d秒，%(time)s之后再试；也可请超级管理员解除锁定。"),
        _("登录失败次数过多，请等待%(minutes)d分钟，%(time)s之后再试；也可请超级管理员解除锁定。"),
        dated_after=12 * 3600,
    )


def login_authenticate(request, *, username, password):
    """The active user with these credentials, or None, checked under the limits (see the module
    docstring). Raises LoginRefused, without checking the password, while a counter of this
    attempt (this account from this client, or this client) is locked."""
    keys = counter_keys(request, username)
    reservation, wait = _reserve(keys)
    if reservation is None:
        seconds = max(1, math.ceil(wait))
        raise LoginRefused(wait_message(seconds), seconds)
    user = authenticate(request, username=username, password=password)
    if user is None:
        if any(previous[0] == 0 for previous in reservation.previous.values()):
            _purge_expired(reservation.stamp)  # a counter was started: tidy the forgotten ones
        return None
    _give_back(keys, reservation)
    return user
