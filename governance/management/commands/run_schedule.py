"""`manage.py run_schedule [--once] [--state FILE]`: run the project's periodic tasks without a
broker, on the schedule Celery beat would keep (`make run` starts it when REDIS_URL is unset).

It reads `CELERY_BEAT_SCHEDULE` from the settings (the one schedule of the project, whatever the
apps put there), and runs each entry in this process (`task.apply()`) when it is due by Celery's
own schedule objects (crontab, timedelta or seconds, in CELERY_TIMEZONE), as beat would send it to
a worker. Like beat with its schedule file, it keeps each entry's last run in a JSON file
(settings.RUN_SCHEDULE_STATE, from the environment; default `run-schedule.json` beside manage.py,
ignored by git): an entry seen for the first time is not
run at once but from its next time on; one whose time passed while nothing was running (the
machine was off at 01:30) runs once when the command starts again, as beat catches up.

A task that fails is reported on stderr with its traceback and counted as run (beat does not
resend a task a worker failed either); the next due time runs it again. The tasks themselves are
safe to run late, twice or at the same time as another run (see funding.tasks).

`--once` checks every entry once, runs those due, and exits (for tests and cron); otherwise it
checks again at the next due time (at most every --max-sleep seconds) until stopped.

Lives in `governance`, the lowest app: it imports no app, only the settings and Celery's current
app (config/celery.py, loaded with the settings), in whose registry each app's tasks are found by
name.
"""

import argparse
import datetime
import json
import os
import tempfile
import time
from copy import copy
from pathlib import Path

from celery import current_app as celery_app
from celery.schedules import maybe_schedule
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def default_state_path():
    """settings.RUN_SCHEDULE_STATE (the environment's RUN_SCHEDULE_STATE, default
    run-schedule.json beside manage.py)."""
    return Path(getattr(settings, "RUN_SCHEDULE_STATE", Path(settings.BASE_DIR) / "run-schedule.json"))


def load_state(path):
    """{entry name: last run (aware datetime)} from `path`; empty when it does not exist."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the schedule state {path}: {exc}") from exc
    return {name: datetime.datetime.fromisoformat(at) for name, at in raw.get("last_run", {}).items()}


def save_state(path, state):
    """Write the state atomically (a temporary file renamed over the old one)."""
    path = Path(path)
    data = {"last_run": {name: at.isoformat() for name, at in sorted(state.items())}}
    fd, temporary = tempfile.mkstemp(prefix=".run-schedule-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    os.replace(temporary, path)


def entries():
    """[(name, entry, schedule object)] of CELERY_BEAT_SCHEDULE, in its order."""
    found = []
    for name, entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).items():
        if "task" not in entry or "schedule" not in entry:
            raise CommandError(f"CELERY_BEAT_SCHEDULE[{name!r}] needs a task and a schedule")
        found.append((name, entry, maybe_schedule(entry["schedule"], app=celery_app)))
    return found


def is_due(schedule, last_run, now):
    """(due, seconds until the next check) of `schedule` last run at `last_run`, at `now`."""
    pinned = copy(schedule)
    pinned.nowfun = lambda: now
    due, next_in = pinned.is_due(last_run)
    return due, next_in


class Command(BaseCommand):
    help = "不用 Redis 时按 CELERY_BEAT_SCHEDULE 定时运行任务（run the periodic tasks in-process, without a broker）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="检查一次、运行到期任务后退出（check once and exit）")
        parser.add_argument("--state", default=None, help="运行记录文件（state file），默认 RUN_SCHEDULE_STATE")
        parser.add_argument(
            "--max-sleep", type=float, default=60.0, help="两次检查的最长间隔秒数（longest wait between checks）"
        )
        parser.add_argument("--now", default=None, help=argparse.SUPPRESS)  # tests: a fixed clock

    def handle(self, *, once, state, max_sleep, now, **options):
        path = Path(state) if state else default_state_path()
        if not 1 <= max_sleep <= 3600:
            raise CommandError("--max-sleep must be between 1 and 3600 seconds")
        fixed_now = _parse_now(now)
        celery_app.loader.import_default_modules()  # each app's tasks module (autodiscover_tasks)
        schedule = entries()
        if not schedule:
            self.stdout.write("CELERY_BEAT_SCHEDULE 为空，没有定时任务（no periodic tasks）。")
            return
        names = ", ".join(name for name, _entry, _s in schedule)
        self.stdout.write(f"定时任务（periodic tasks, in-process）：{names}；运行记录 {path}")
        while True:
            wait = self.tick(path, schedule, fixed_now or timezone.now())
            if once:
                return
            time.sleep(min(max(wait, 1.0), max_sleep))

    def tick(self, path, schedule, now):
        """Run every entry due at `now`; returns the seconds until the next one may be due."""
        state = load_state(path)
        changed, wait = False, float("inf")
        for name, entry, sched in schedule:
            last_run = state.get(name)
            if last_run is None:  # first seen: from its next time on, as beat does
                state[name], changed = now, True
                last_run = now
            due, next_in = is_due(sched, last_run, now)
            if due:
                self.run(name, entry, now)
                state[name], changed = now, True
                due, next_in = is_due(sched, now, now)
            wait = min(wait, next_in)
        if changed:
            save_state(path, state)
        return wait

    def run(self, name, entry, now):
        task = celery_app.tasks.get(entry["task"])
        if task is None:
            self.stderr.write(f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} {name}: 未知任务 {entry['task']}")
            return
        started = time.monotonic()
        result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=False)
        seconds = time.monotonic() - started
        stamp = f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S}"
        if result.failed():
            self.stderr.write(f"{stamp} {name}: {entry['task']} 失败（failed, {seconds:.1f} s）\n{result.traceback}")
        else:
            self.stdout.write(f"{stamp} {name}: {entry['task']} → {result.result!r} ({seconds:.1f} s)")


def _parse_now(value):
    """The hidden --now (tests): an ISO date-time, in CELERY_TIMEZONE when it has no offset."""
    if value is None:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now: {exc}") from exc
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
