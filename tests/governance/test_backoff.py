"""governance.backoff: the doubling wait shared by staff sign-in and the household code, and the
words that say how long to wait and until when."""

import datetime

import pytest
from django.utils import timezone

from governance.backoff import Backoff, wait_message

SECONDS = "wait %(seconds)d s, until %(time)s"
MINUTES = "wait %(minutes)d min, until %(time)s"


def test_the_wait_doubles_from_the_free_failures_up_to_its_cap():
    rule = Backoff(free=3, first_delay=10, max_delay=100, forget_after=60)
    assert [rule.delay_after(n) for n in range(0, 9)] == [0, 0, 0, 10, 20, 40, 80, 100, 100]
    assert rule.delay_after(10**9) == 100  # no overflow, however many


def _until(seconds, fmt):
    return (timezone.localtime() + datetime.timedelta(seconds=seconds)).strftime(fmt)


@pytest.mark.parametrize(
    ("wait", "expected_words", "seconds", "fmt"),
    [
        (0.2, "wait 1 s", 1, "%H:%M:%S"),  # never "0 seconds"
        (59, "wait 59 s", 59, "%H:%M:%S"),
        (60, "wait 1 min", 60, "%H:%M"),
        (61, "wait 2 min", 61, "%H:%M"),  # minutes round up
    ],
)
def test_the_message_rounds_up_and_says_until_when(wait, expected_words, seconds, fmt):
    message = wait_message(wait, SECONDS, MINUTES)
    assert message.startswith(expected_words + ", until ")
    assert message.endswith(_until(seconds, fmt)) or message.endswith(_until(seconds + 1, fmt))


def test_a_long_wait_carries_the_date_only_past_dated_after():
    day = 24 * 3600
    dated = wait_message(day, SECONDS, MINUTES, dated_after=12 * 3600)
    assert dated.endswith(_until(day, "%Y-%m-%d %H:%M")) or dated.endswith(_until(day + 1, "%Y-%m-%d %H:%M"))
    undated = wait_message(day, SECONDS, MINUTES)
    assert undated == f"wait {day // 60} min, until {undated.rsplit(' ', 1)[1]}"
    assert len(undated.rsplit(" ", 1)[1]) == len("HH:MM")
