"""Celery tasks of the funding app: thin — ids (or a date) in, one service call.

- `subsidies_run(date)`: the daily run (beat: CELERY_BEAT_SCHEDULE in config/settings.py). It
  enqueues `installment_pay` for each installment it releases, after the batch commits, on the
  queue the run itself came from; its first step sweeps released installments that a lost
  message left unpaid.
- `installments_sweep()`: hourly (beat): pays the installments released more than half an hour
  ago and still unpaid, so a lost `installment_pay` message costs an hour at most, not a day.
  Idempotent, acked late.
- `installment_pay(installment_id)`: idempotent (status guard under a row lock), so it is
  acked late and re-queued if its worker dies.
"""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services


def _queue_of(task):
    """The queue this task was delivered from, so follow-up tasks go to the same workers."""
    delivery = getattr(task.request, "delivery_info", None) or {}
    return delivery.get("routing_key") or None


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def subsidies_run(self, date=None):
    """Run the subsidy schedules for `date` (YYYY-MM-DD; default: today in Asia/Shanghai)."""
    today = datetime.date.fromisoformat(date) if date else timezone.localdate()
    queue = _queue_of(self)

    def enqueue(installment_id):
        installment_pay.apply_async((installment_id,), queue=queue)

    return services.subsidies_run(today=today, enqueue=enqueue)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def installment_pay(installment_id):
    """Pay one released installment; nothing happens if it is gone, paid, or being paid."""
    return services.installments_pay(ids=[installment_id])


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def installments_sweep():
    """Pay released installments a lost message left unpaid for more than services.SWEEP_AFTER."""
    return services.installments_sweep()
