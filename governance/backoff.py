"""The doubling wait after repeated failures, shared by staff sign-in (governance.logins) and the
household code (residents.throttle)."""

from dataclasses import dataclass


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
