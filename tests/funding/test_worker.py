"""The subsidy run with a real Celery worker against Redis (docs/domain-rules.md, "Long-term
management and subsidies").

Runs when REDIS_URL is set (in CI it is) and the database is PostgreSQL (the worker is another
process and must see the test database); with REDIS_URL set, an unreachable Redis FAILS the tests
rather than skipping them. Each test starts `celery -A config worker --pool=prefork
--concurrency=2` on a queue of its own, against a dedicated Redis database (REDIS_TEST_DB,
default 14, flushed first) and the pytest-django test database; tests commit their data
(transaction=True) so the worker sees it. Cases: the daily run twice in a row, two runs at once,
and a worker killed with SIGKILL while it pays, then restarted — each ends with every due
installment paid exactly once and the money equal to the schedule.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum

from config.celery import app
from funding import tasks
from funding.choices import InstallmentStatus as S
from funding.demo import create_plans_bulk
from funding.models import SubsidyInstallment, SubsidyPayment
from governance.models import AuditEntry, Neighbourhood
from funding.schedule import installment_amount

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(settings.BASE_DIR)
RUN_DAY = datetime.date(2025, 1, 1)


def _redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the Celery worker tests need Redis (CI sets it)")
    if connection.vendor != "postgresql":
        pytest.skip("the worker is another process and cannot see an SQLite test database: set DATABASE_URL")
    parts = urlsplit(url)
    dedicated = urlunsplit(parts._replace(path=f"/{os.environ.get('REDIS_TEST_DB', '14')}"))
    import redis

    try:
        client = redis.Redis.from_url(dedicated, socket_connect_timeout=3)
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"REDIS_URL is set but Redis at {dedicated} is unreachable: {exc}")
    client.flushdb()
    return dedicated


def _database_url():
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A `celery worker` subprocess on its own queue; kill() sends SIGKILL to it and its children."""

    def __init__(self, redis_url, queue, log, settings_module="config.settings_test"):
        self.redis_url, self.queue, self.log = redis_url, queue, log
        self.settings_module = settings_module
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.redis_url,
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "CONN_MAX_AGE": "0",
        }
        self.log.write_text("")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited at start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        pytest.fail(f"the worker was not ready in 90 s:\n{self.log.read_text()[-3000:]}")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def kill_pool_processes(self):
        """SIGKILL the pool's child processes only: the main process sees them lost and respawns
        them. Returns how many were killed."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # field 4 of stat: the parent's pid
                children.append(int(stat.parent.name))
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        return len(children)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(tmp_path):
    redis_url = _redis_url()
    w = Worker(redis_url, f"funding-test-{uuid.uuid4().hex[:12]}", tmp_path / "worker.log")
    w.start()
    yield w
    w.stop()


def _send_run(w, day=RUN_DAY):
    """Enqueue the daily run on the worker's broker and queue (as beat would, on its queue)."""
    with app.connection_for_write(w.redis_url) as conn:
        tasks.subsidies_run.apply_async((day.isoformat(),), queue=w.queue, connection=conn)


def _plans(territory, count, passing_every=1):
    """`count` plans of 3 years from 2024-01-01 (year 1 due 2025-01-01) on fresh neighbourhoods;
    every `passing_every`-th is assessed 90 for 2024, the others are not assessed (withheld)."""
    community = territory.c11
    Neighbourhood.objects.bulk_create(
        [Neighbourhood(community=community, name=f"测试小区{i:05d}", built_year=1990) for i in range(count)]
    )
    ids = list(
        Neighbourhood.objects.filter(name__startswith="测试小区").order_by("pk").values_list("pk", flat=True)
    )
    passing, failing = ids[::passing_every], [n for n in ids if n not in set(ids[::passing_every])]
    create_plans_bulk(passing, start_on=datetime.date(2024, 1, 1), scores={2024: 90})
    if failing:
        create_plans_bulk(failing, start_on=datetime.date(2024, 1, 1))
    return len(passing)


def _wait(condition, seconds=120, what="", w=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    log = w.log.read_text()[-4000:] if w else ""
    pytest.fail(f"timed out waiting for {what}\n{log}")


def _runs():
    return AuditEntry.objects.filter(action="subsidies_run").count()


def _paid():
    return SubsidyInstallment.objects.filter(status=S.PAID).count()


def _assert_paid_once(expected_paid):
    """Every due installment that passed is paid exactly once, its lines sum to it, and the money
    equals the schedule (area × rate × ratio); the others are withheld; nothing else moved."""
    rows = SubsidyInstallment.objects.filter(due_on__lte=RUN_DAY)
    assert rows.filter(status=S.PAID).count() == expected_paid
    assert not rows.exclude(status__in=[S.PAID, S.WITHHELD]).exists()
    assert not SubsidyInstallment.objects.filter(due_on__gt=RUN_DAY).exclude(status=S.SCHEDULED).exists()
    per_installment = SubsidyPayment.objects.values("installment").annotate(
        lines=Count("id"), total=Sum("amount")
    )
    assert all(row["lines"] == 2 for row in per_installment)  # two payers, once each
    paid = {row.pk: row for row in rows.filter(status=S.PAID).select_related("plan")}
    assert len(per_installment) == len(paid)
    for row in per_installment:
        assert row["total"] == paid[row["installment"]].amount
    expected = installment_amount(Decimal("10000.00"), Decimal("1.20"), Decimal("1")) * expected_paid
    assert SubsidyPayment.objects.aggregate(t=Sum("amount"))["t"] == expected
    assert sum(r.amount for r in paid.values()) == expected


def test_the_daily_run_twice_in_a_row(worker, territory):
    expected = _plans(territory, 40, passing_every=4)  # 10 pass, 30 withheld
    _send_run(worker)
    _wait(lambda: _runs() == 1 and _paid() == expected, what="the first run", w=worker)
    _send_run(worker)
    _wait(lambda: _runs() == 2, what="the second run", w=worker)
    time.sleep(1)  # anything the second run enqueued would be paid by now
    _assert_paid_once(expected)


def test_two_runs_at_once(worker, territory):
    expected = _plans(territory, 300)
    _send_run(worker)
    _send_run(worker)
    _wait(lambda: _runs() == 2 and _paid() == expected, what="two concurrent runs", w=worker)
    time.sleep(1)
    _assert_paid_once(expected)


def test_a_worker_killed_mid_run_then_restarted(worker, territory):
    expected = _plans(territory, 1500)
    _send_run(worker)
    _wait(lambda: _paid() > 0, seconds=120, what="the first payments", w=worker)
    worker.kill()
    paid_at_kill = _paid()
    assert paid_at_kill < expected, "the run finished before the kill: raise the number of plans"
    worker.start()
    _send_run(worker)  # the next daily run: its sweep pays what the killed worker left released
    _wait(
        lambda: _paid() == expected and _runs() >= 1, seconds=180, what="the run after the restart", w=worker
    )
    time.sleep(1)
    _assert_paid_once(expected)


def _in_progress():
    """The run has decided a batch (released installments exist) and has not finished (no audit row)."""
    return SubsidyInstallment.objects.filter(status=S.RELEASED).exists() and _runs() == 0


def test_a_worker_killed_mid_run_finishes_by_redelivery_alone(territory, tmp_path):
    """acks_late: the run's message and the payments' are still unacknowledged when the whole worker
    is SIGKILLed; once restarted (visibility timeout of seconds: tests/funding/worker_settings.py),
    Redis hands them back and they finish the work — no new run is sent."""
    expected = _plans(territory, 1500)
    w = Worker(
        _redis_url(),
        f"funding-test-{uuid.uuid4().hex[:12]}",
        tmp_path / "worker.log",
        settings_module="tests.funding.worker_settings",
    )
    w.start()
    try:
        _send_run(w)
        _wait(_in_progress, seconds=120, what="the run's first released batch", w=w)
        w.kill()
        assert _runs() == 0 and _paid() < expected, "the run finished before the kill: raise the plans"
        w.start()
        _wait(lambda: _paid() == expected and _runs() >= 1, seconds=180, what="redelivery", w=w)
        time.sleep(1)
        _assert_paid_once(expected)
    finally:
        w.stop()


def test_pool_processes_killed_mid_run_are_requeued_at_once(worker, territory):
    """reject_on_worker_lost: the pool processes running the run and the payments are SIGKILLed, the
    worker's main process survives and puts their messages back on the queue at once (the
    visibility timeout is the hour of the settings, so this is not redelivery by timeout)."""
    expected = _plans(territory, 1500)
    _send_run(worker)
    _wait(_in_progress, seconds=120, what="the run's first released batch", w=worker)
    assert worker.kill_pool_processes() == 2
    assert _runs() == 0, "the run finished before the kill: raise the number of plans"
    _wait(lambda: _paid() == expected and _runs() >= 1, seconds=180, what="the requeued run", w=worker)
    time.sleep(1)
    _assert_paid_once(expected)
    assert "WorkerLostError" in worker.log.read_text()


def test_a_poisoned_plan_among_good_ones_with_the_worker(worker, territory):
    """Issue 11, item 1: a plan written past validation with figures whose installment overflows
    its column (area 9,999,999,999.99, rate 9,999.9999, raw SQL) among 40 good ones: the worker's
    run withholds it with its error and pays every other plan exactly once, run after run."""
    expected = _plans(territory, 40)
    poisoned = SubsidyInstallment.objects.filter(year=1).order_by("pk")[20]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE funding_subsidyplan SET area = 9999999999.99 WHERE id = %s", [poisoned.plan_id]
        )
        cursor.execute("UPDATE funding_subsidyinstallment SET rate = 9999.9999 WHERE id = %s", [poisoned.pk])
    _send_run(worker)
    _wait(lambda: _runs() == 1 and _paid() == expected - 1, what="the run around the poisoned plan", w=worker)
    _send_run(worker)
    _wait(lambda: _runs() == 2, what="the second run", w=worker)
    time.sleep(1)
    _assert_paid_once(expected - 1)
    poisoned.refresh_from_db()
    assert poisoned.status == S.WITHHELD and "超出可记录的上限" in poisoned.run_error
    assert AuditEntry.objects.filter(action="subsidies_run", details__errors=1).count() == 2
