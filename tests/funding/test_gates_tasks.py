"""The management gate of the project lifecycle, and the Celery tasks' wiring in-process (no
broker: eager mode), with on-commit enqueueing."""

import datetime

import pytest
from django.conf import settings

from funding import tasks
from funding.choices import InstallmentStatus as S
from governance.models import ManagementMode
from governance.services_management import arrangement_start
from projects.gates import transition_reasons
from projects.models import Project
from tests.factories import provider_of

from .subsidy_helpers import assess, plan

pytestmark = pytest.mark.django_db
D = datetime.date


def test_management_arranged_gate(users, territory, project):
    Project.objects.filter(pk=project.pk).update(stage="acceptance")

    def reasons():
        return [
            r for r in transition_reasons(Project.objects.get(pk=project.pk), "aftercare") if "长效管理" in r
        ]

    assert reasons() == [
        "小区“东风里”尚未落实长效管理（无现行管理方式或为“无人管理”）。",
        "小区“新华里”尚未落实长效管理（无现行管理方式或为“无人管理”）。",
    ]
    arrangement_start(
        neighbourhood=territory.n111,
        mode=ManagementMode.SELF_MANAGED,
        started_on=D(2024, 1, 1),
        actor=users.street,
    )
    arrangement_start(
        neighbourhood=territory.n121, mode=ManagementMode.NONE, started_on=D(2024, 1, 1), actor=users.street
    )
    assert reasons() == ["小区“东风里”尚未落实长效管理（无现行管理方式或为“无人管理”）。"]
    arrangement_start(
        neighbourhood=territory.n121,
        mode=ManagementMode.FALLBACK,
        provider=provider_of(territory.n121, "东风社区居委会", "other"),
        started_on=D(2024, 6, 1),
        actor=users.street,
    )
    assert reasons() == []


def test_the_daily_task_enqueues_payments_on_commit(users, territory, django_capture_on_commit_callbacks):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("with a broker the tasks run in a worker: see test_worker.py")
    p = plan(territory.n111, users.street)
    assess(p, 2024, "90", users.street)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = tasks.subsidies_run.delay("2025-01-01").get()
    assert summary["released"] == 1 and summary["paid"] == 0  # paid by installment_pay, not in the run
    assert len(callbacks) == 1
    row = p.installments.get(year=1)
    assert row.status == S.PAID and row.payments.count() == 2
    assert tasks.installment_pay.delay(row.pk).get() == 0  # paying again does nothing


def test_the_beat_schedule_runs_the_daily_task():
    entry = settings.CELERY_BEAT_SCHEDULE["funding-subsidies-daily"]
    assert entry["task"] == tasks.subsidies_run.name
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    for task in (tasks.subsidies_run, tasks.installment_pay):  # both idempotent, so acked late
        assert task.acks_late and task.reject_on_worker_lost, task.name
