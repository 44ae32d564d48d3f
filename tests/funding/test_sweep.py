"""The hourly sweep (installments_sweep and its task): a released installment whose payment message
was lost is paid within the hour, not the next day; one released a moment ago is left to its
message; nothing is ever paid twice. In-process (eager) here; test_worker.py covers delivery."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from funding import tasks
from funding.choices import InstallmentStatus as S
from funding.models import SubsidyInstallment, SubsidyPayment
from funding.services import SWEEP_AFTER, installments_sweep, subsidies_run
from governance.models import AuditEntry

from .subsidy_helpers import assess, plan

pytestmark = pytest.mark.django_db
RUN_DAY = datetime.date(2025, 1, 1)


def _released_and_lost(territory, users):
    """Two plans whose year 1 is released by the daily run, the payment messages lost."""
    plans = [plan(territory.n111, users.street), plan(territory.n121, users.street, area="3333.33")]
    for p in plans:
        assess(p, 2024, "75", users.street)  # 80 %
    summary = subsidies_run(today=RUN_DAY, enqueue=lambda installment_id: None)  # the messages vanish
    assert summary["released"] == 2 and summary["paid"] == 0
    return plans


def test_the_sweep_pays_what_a_lost_message_left_after_the_delay_only(users, territory):
    plans = _released_and_lost(territory, users)
    now = timezone.now()
    assert installments_sweep(now=now) == 0  # just released: its message may still be on its way
    assert installments_sweep(now=now + SWEEP_AFTER - datetime.timedelta(seconds=5)) == 0
    assert not AuditEntry.objects.filter(action="installments_sweep").exists()  # an empty sweep is silent
    later = now + SWEEP_AFTER + datetime.timedelta(seconds=1)
    assert installments_sweep(now=later) == 2
    assert installments_sweep(now=later + datetime.timedelta(hours=1)) == 0  # idempotent
    rows = SubsidyInstallment.objects.filter(plan__in=plans, year=1).order_by("plan_id")
    assert [(r.status, r.amount, r.paid_at) for r in rows] == [
        (S.PAID, Decimal("9600.00"), later),
        (S.PAID, Decimal("3200.00"), later),  # 3333.33 × 1.20 × 0.80 = 3199.9968
    ]
    for row in rows:  # one line per payer, summing to the amount exactly
        assert row.payments.count() == 2
        assert row.payments.aggregate(t=Sum("amount"))["t"] == row.amount
    entry = AuditEntry.objects.get(action="installments_sweep")
    assert entry.details["paid"] == 2 and "2 笔" in entry.summary
    assert SubsidyInstallment.objects.filter(status=S.RELEASED).count() == 0


def test_the_hourly_task_pays_stale_released_installments(users, territory):
    # apply(): the task's body here, with or without a broker (test_worker.py covers delivery)
    _released_and_lost(territory, users)
    assert tasks.installments_sweep.apply().get() == 0  # released a moment ago
    SubsidyInstallment.objects.filter(status=S.RELEASED).update(
        released_at=timezone.now() - SWEEP_AFTER - datetime.timedelta(minutes=1)
    )
    assert tasks.installments_sweep.apply().get() == 2
    assert tasks.installments_sweep.apply().get() == 0
    assert SubsidyPayment.objects.count() == 4


def test_the_beat_schedule_runs_the_sweep_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["funding-subsidies-sweep"]
    assert entry["task"] == tasks.installments_sweep.name
    schedule = entry["schedule"]
    assert schedule.hour == set(range(24)) and len(schedule.minute) == 1
    assert SWEEP_AFTER < datetime.timedelta(hours=1)  # a lost message waits less than two sweeps
    task = tasks.installments_sweep
    assert task.acks_late and task.reject_on_worker_lost
