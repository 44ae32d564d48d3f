"""manage.py run_schedule: CELERY_BEAT_SCHEDULE run in-process, without a broker, on beat's
schedule (first sight waits for the next time; a missed time runs once; the state survives in its
file), a failing task reported without stopping the others; and scripts/serve.sh starting it
beside the server when REDIS_URL is unset and stopping it with the server."""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from celery import current_app, shared_task
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from funding.choices import InstallmentStatus
from funding.models import SubsidyInstallment
from funding.services import subsidy_plan_create
from governance.models import AuditEntry, ManagementMode
from governance.services_management import arrangement_start, assessment_record
from tests.factories import provider_of

ROOT = Path(settings.BASE_DIR)


@shared_task(name="tests.run_schedule.boom")
def boom():
    raise RuntimeError("boom on purpose")


@pytest.fixture
def eager():
    """Follow-up tasks (installment_pay) run in this process, as they do without REDIS_URL (the
    suite may run with REDIS_URL set, where they would go to the broker)."""
    conf = current_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


def run(state, *extra):
    out, err = StringIO(), StringIO()
    call_command("run_schedule", "--once", "--state", str(state), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_state(path, **last_run):
    path.write_text(json.dumps({"last_run": {k: v.isoformat() for k, v in last_run.items()}}))


def read_state(path):
    raw = json.loads(path.read_text())["last_run"]
    return {name: datetime.datetime.fromisoformat(at) for name, at in raw.items()}


@pytest.fixture
def plan_due(users, territory):
    """A subsidy plan whose year 1 fell due ten days ago, assessed 90: the daily run pays it."""
    today = timezone.localdate()
    start = today.replace(year=today.year - 1) - datetime.timedelta(days=10)
    arrangement = arrangement_start(
        neighbourhood=territory.n111,
        mode=ManagementMode.PROFESSIONAL,
        provider=provider_of(territory.n111, "物业公司"),
        started_on=start,
        actor=users.superuser,
    )
    plan = subsidy_plan_create(
        neighbourhood=territory.n111,
        arrangement=arrangement,
        area=Decimal("1000.00"),
        start_on=start,
        rates=["1.20", "0.80"],
        payers=[{"source": None, "payer_name": "区财政局", "share": Decimal("100")}],
        actor=users.superuser,
    )
    year1 = plan.installments.get(year=1)
    assessment_record(
        arrangement=arrangement, year=year1.assessment_year, score="90", assessor="考核组", actor=users.superuser
    )
    return year1


def test_first_sight_records_the_entries_and_runs_nothing(db, tmp_path, plan_due):
    state = tmp_path / "state.json"
    before = timezone.now()
    out, err = run(state)
    assert err == ""
    assert "funding-subsidies-daily" in out and "→" not in out  # nothing ran
    recorded = read_state(state)
    assert set(recorded) == set(settings.CELERY_BEAT_SCHEDULE)
    assert all(at >= before for at in recorded.values())
    assert not AuditEntry.objects.filter(action="subsidies_run").exists()
    assert SubsidyInstallment.objects.get(pk=plan_due.pk).status == InstallmentStatus.SCHEDULED


def test_a_missed_daily_time_runs_the_subsidy_service_once(
    db, tmp_path, plan_due, eager, django_capture_on_commit_callbacks
):
    """Last run 25 hours ago: a 01:30 has passed since, so the daily run is due now. It runs the
    real service (the installment fallen due is decided, and paid by the task it enqueues after
    the commit); a second check runs nothing."""
    state = tmp_path / "state.json"
    long_ago = timezone.now() - datetime.timedelta(hours=25)
    write_state(state, **{"funding-subsidies-daily": long_ago, "funding-subsidies-sweep": timezone.now()})
    with django_capture_on_commit_callbacks(execute=True):
        out, err = run(state)
    assert err == ""
    assert "funding-subsidies-daily: funding.tasks.subsidies_run →" in out
    assert "funding-subsidies-sweep" not in out.split("\n", 1)[1]  # ran an hour ago at most: not due
    installment = SubsidyInstallment.objects.get(pk=plan_due.pk)
    assert installment.status == InstallmentStatus.PAID and installment.amount == Decimal("1200.00")
    assert AuditEntry.objects.filter(action="subsidies_run").count() == 1
    assert read_state(state)["funding-subsidies-daily"] > long_ago

    out, _ = run(state)
    assert "→" not in out
    assert AuditEntry.objects.filter(action="subsidies_run").count() == 1


def test_not_yet_due_runs_nothing(db, tmp_path, plan_due):
    state = tmp_path / "state.json"
    now = timezone.now()
    write_state(state, **{"funding-subsidies-daily": now, "funding-subsidies-sweep": now})
    out, _ = run(state)
    assert "→" not in out
    assert SubsidyInstallment.objects.get(pk=plan_due.pk).status == InstallmentStatus.SCHEDULED
    assert read_state(state) == {"funding-subsidies-daily": now, "funding-subsidies-sweep": now}


def test_the_schedule_is_read_from_settings_and_a_failure_does_not_stop_the_others(db, tmp_path, settings):
    """Any entry of CELERY_BEAT_SCHEDULE (seconds as well as crontab); a task that raises is
    reported with its traceback on stderr, counted as run, and the next entry still runs."""
    settings.CELERY_BEAT_SCHEDULE = {
        "boom-every-minute": {"task": "tests.run_schedule.boom", "schedule": 60.0},
        "sweep-every-minute": {"task": "funding.tasks.installments_sweep", "schedule": 60.0},
    }
    state = tmp_path / "state.json"
    then = timezone.now() - datetime.timedelta(minutes=2)
    write_state(state, **{"boom-every-minute": then, "sweep-every-minute": then})
    out, err = run(state)
    assert "boom-every-minute: tests.run_schedule.boom 失败" in err and "RuntimeError: boom on purpose" in err
    assert "sweep-every-minute: funding.tasks.installments_sweep → 0" in out
    assert all(at > then for at in read_state(state).values())


def test_the_fixed_clock_follows_the_crontab(db, tmp_path):
    """--now (hidden, for tests): at 01:29 Shanghai the daily entry last run the day before is not
    due; at 01:31 it is."""
    state = tmp_path / "state.json"
    day = timezone.localdate()
    last = timezone.make_aware(datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(2, 0)))
    write_state(state, **{"funding-subsidies-daily": last, "funding-subsidies-sweep": last})
    out, _ = run(state, "--now", f"{day.isoformat()}T01:29:00")
    assert "funding-subsidies-daily: " not in out
    out, _ = run(state, "--now", f"{day.isoformat()}T01:31:00")
    assert "funding-subsidies-daily: funding.tasks.subsidies_run →" in out


def test_a_broken_state_file_is_refused_with_its_name(db, tmp_path):
    from django.core.management.base import CommandError

    state = tmp_path / "state.json"
    state.write_text("{not json")
    with pytest.raises(CommandError, match="state.json"):
        run(state)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port, deadline):
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="uses bash and POSIX signals")
def test_serve_sh_runs_the_schedule_beside_the_server_without_redis_and_stops_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        RUN_SCHEDULE_STATE=str(tmp_path / "state.json"),
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    serve = subprocess.Popen(
        ["bash", "scripts/serve.sh", "127.0.0.1", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines, schedule_pid = [], None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (tmp_path / "state.json").exists():
            time.sleep(0.5)
        assert (tmp_path / "state.json").exists(), "run_schedule wrote no state"
        assert set(read_state(tmp_path / "state.json")) == set(settings.CELERY_BEAT_SCHEDULE)
        assert _listening(port, deadline), "the server did not start"
    finally:
        serve.send_signal(signal.SIGTERM)
        output, _ = serve.communicate(timeout=60)
        lines = output.splitlines()
    started = next(line for line in lines if "run_schedule (pid" in line)
    schedule_pid = int(started.rsplit("pid ", 1)[1].rstrip(")"))
    assert any("Serving on http://127.0.0.1:" in line for line in lines)
    assert serve.returncode == 143
    assert not _alive(schedule_pid), "run_schedule outlived serve.sh"
