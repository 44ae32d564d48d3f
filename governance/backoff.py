"""The doubling wait after repeated failures, shared by staff sign-in (governance.logins) and the
household code (residents.throttle)."""

import datetime
import math
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True, kw_only=True)
class Backoff:
    """`free` failures cost nothing; the failure that reaches `free` waits `first_delay` seconds,
    each one after it twice the previous wait, at most `max_delay`. The count is forgotten
    `forget_after` seconds after its last failure. Keyword-only, so a subclass may add positional
    fields of its own."""

    free: int
    first_delay: int
    max_delay: int
    forget_after: int

    def delay_after(self, failures):
        """Seconds of wait once `failures` failures are counted (0: none)."""
        if failures < self.free:
            return 0
        doublings = min(failures - self.free, 32)  # no overflow, however many
        return min(self.first_delay * 2**doublings, self.max_delay)


def wait_message(wait, seconds_text, minutes_text, *, dated_after=None):
    """The refusal of an attempt that must wait `wait` seconds, saying how long and until when
    (local time): `seconds_text` under a minute (with "%(seconds)d" and "%(time)s"), else
    `minutes_text` (with "%(minutes)d" and "%(time)s"), whose time carries the date once the wait
    is `dated_after` seconds or more."""
    seconds = max(1, math.ceil(wait))
    until = timezone.localtime() + datetime.timedelta(seconds=seconds)
    if seconds < 60:
        return seconds_text % {"seconds": seconds, "time": until.strftime("%H:%M:%S")}
    dated = dated_after is not None and seconds >= dated_after
    return minutes_text % {
        "minutes": math.ceil(seconds / 60),
        "time": until.strftime("%Y-%m-%d %H:%M" if dated else "%H:%M"),
    }
