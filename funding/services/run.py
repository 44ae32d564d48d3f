"""The daily subsidy run (`subsidies_run`): batch work over many plans. It writes one audit row per run
(not per installment) and keeps a fixed number of queries per batch.

Isolating a failing plan: one plan's bad figures never stop the others' payments. A plan written past
the services' bounds (docs/domain-rules.md, "Money") could make a batch's one UPDATE or INSERT fail
(numeric field overflow) on every run, so nobody would be paid. The run sets such an installment aside
before writing (_set_aside: figures the columns cannot hold), and if a batch's write still fails,
retries its rows one by one in savepoints: the failing one is withheld (or, when paying, stays
released) with `run_error`, every other row goes through."""

import datetime
import logging
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Assessment, AuditEntry
from governance.money import yuan

from ..choices import InstallmentStatus, PlanStatus
from ..models import SubsidyInstallment, SubsidyPayer, SubsidyPayment, SubsidyPlan
from ..schedule import assessment_decides, installment_amount, payout_ratio, split

BATCH_SIZE = 500

log = logging.getLogger("funding.services")  # the name it had before the split


def deciding_assessments(neighbourhood, first, after):
    """The assessments that may decide the plan year [first, after) of a plan of `neighbourhood`
    (ids, or OuterRef expressions in a subquery): funding.schedule.assessment_decides as a query
    (those of any arrangement of the neighbourhood whose period ends within the plan year). The
    latest recorded one (the highest id) decides."""
    return Assessment.objects.filter(
        arrangement__neighbourhood_id=neighbourhood, period_end__gte=first, period_end__lt=after
    )


def _decide_batch(rows, now):
    """Decide due (or re-assessed withheld) installments, each from the latest recorded assessment
    of its plan's neighbourhood whose period ends within its plan year (schedule.assessment_decides),
    whichever arrangement it assesses: when the provider changes, the new arrangement's
    assessments go on deciding the plan's years. Two queries for the batch whatever its size."""
    by_neighbourhood = {}
    for assessment in (
        Assessment.objects.filter(
            arrangement__neighbourhood_id__in={row.plan.neighbourhood_id for row in rows},
            period_end__gte=min(row.period_start for row in rows),
            period_end__lt=max(row.period_end for row in rows),
        )
        .annotate(neighbourhood_id=F("arrangement__neighbourhood_id"))
        .order_by("-pk")  # the latest recorded first
    ):
        by_neighbourhood.setdefault(assessment.neighbourhood_id, []).append(assessment)
    released = []
    for row in rows:
        assessment = next(
            (
                a
                for a in by_neighbourhood.get(row.plan.neighbourhood_id, ())
                if assessment_decides(a.period_end, row.period_start, row.period_end)
            ),
            None,
        )
        ratio = payout_ratio(assessment.score, row.plan.bands()) if assessment else Decimal("0")
        row.assessment = assessment
        row.score = assessment.score if assessment else None
        row.ratio = ratio if assessment else None
        row.decided_at = now
        amount = installment_amount(row.plan.area, row.rate, ratio)
        # amount > 0 as well: a plan written past subsidy_plan_create could round to 0.00, which
        # would break the batch's UPDATE (and every later run) instead of withholding one row.
        if ratio > 0 and amount > 0:
            row.status = InstallmentStatus.RELEASED
            row.amount = amount
            row.released_at = now
            released.append(row.pk)
        else:
            row.status = InstallmentStatus.WITHHELD
            row.amount = None
    failed = _write_decisions_isolated(rows, now)
    return [pk for pk in released if pk not in failed]


def _column_max(model, name):
    field = model._meta.get_field(name)
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places


def _error_text(exc):
    """An exception in one line for `run_error` (and the log)."""
    text = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {text}"[:500]


def _run_problem(row):
    """Why the daily run cannot decide installment `row` ("" when it can): score bands that do not
    parse, or a largest possible amount (area × rate × the highest band's ratio) its column cannot
    hold."""
    plan = row.plan
    try:
        bands = plan.bands()
        payout_ratio(Decimal("0"), bands)
        top = max([Decimal(str(band["ratio"])) for band in bands], default=Decimal("0"))
        largest = installment_amount(plan.area, row.rate, max(top, Decimal("0")))
    except (ArithmeticError, KeyError, TypeError, ValueError) as exc:
        return _("补贴计划的数据无法计算（%(error)s），请核对该计划的面积、补贴标准和考核得分档次。") % {
            "error": _error_text(exc)
        }
    limit = _column_max(SubsidyInstallment, "amount")
    if largest > limit:
        return _(
            "第%(year)d年款项最多可达 %(amount)s 元（面积 %(area)s 平方米 × 补贴标准 %(rate)s），"
            "超出可记录的上限 %(limit)s 元；请核对该补贴计划的面积和补贴标准。"
        ) % {
            "year": row.year,
            "amount": yuan(largest),
            "area": plan.area,
            "rate": row.rate,
            "limit": yuan(limit),
        }
    return ""


def _withhold_with_error(row, now, error):
    row.status = InstallmentStatus.WITHHELD
    row.assessment, row.score, row.ratio, row.amount, row.released_at = None, None, None, None, None
    row.decided_at = now
    row.run_error = error
    log.error("subsidy installment %s (plan %s) withheld by the daily run: %s", row.pk, row.plan_id, error)


def _set_aside(rows, now):
    """Split a batch into (rows the run can decide, rows withheld with their error). The withheld
    ones are written by the caller."""
    good, failed = [], []
    for row in rows:
        problem = _run_problem(row)
        if problem:
            _withhold_with_error(row, now, problem)
            failed.append(row)
        else:
            good.append(row)
    return good, failed


def _write_decisions_isolated(rows, now):
    """Write decided rows (their errors cleared) in one statement; when it fails, row by row in
    savepoints, withholding each row that fails with its error. Returns the ids withheld so."""
    for row in rows:
        row.run_error = ""
    try:
        with transaction.atomic():
            _write_decisions(rows)
        return set()
    except DatabaseError:
        pass
    failed = set()
    for row in rows:
        try:
            with transaction.atomic():
                _write_decisions([row])
        except DatabaseError as exc:
            failed.add(row.pk)
            _withhold_with_error(row, now, _("无法记录核定结果：%(error)s") % {"error": _error_text(exc)})
            try:
                with transaction.atomic():
                    _write_decisions([row])
            except DatabaseError:  # the row stays as it was (logged above), the others go on
                pass
    return failed


DECISION_FIELDS = [
    "assessment",
    "score",
    "ratio",
    "decided_at",
    "status",
    "amount",
    "released_at",
    "run_error",
]


def _write_decisions(rows):
    """Store the decisions of a batch in one UPDATE. On PostgreSQL: UPDATE … FROM (VALUES …), since
    bulk_update's CASE expressions cost ~1.5 s of Python per 500 rows; elsewhere bulk_update."""
    if connection.vendor != "postgresql":
        SubsidyInstallment.objects.bulk_update(rows, DECISION_FIELDS)
        return
    table = SubsidyInstallment._meta.db_table
    values = ", ".join(
        [
            "(%s, %s, %s::bigint, %s::numeric, %s::numeric, %s::numeric, %s::timestamptz, %s::timestamptz,"
            " %s::text)"
        ]
        * len(rows)
    )
    params = []
    for row in rows:
        params += [
            row.pk,
            row.status,
            row.assessment_id,
            row.score,
            row.ratio,
            row.amount,
            row.decided_at,
            row.released_at,
            row.run_error,
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS i SET status = v.status, assessment_id = v.assessment_id, score = v.score, "
            f"ratio = v.ratio, amount = v.amount, decided_at = v.decided_at, released_at = v.released_at, "
            f"run_error = v.run_error FROM (VALUES {values}) "
            f"AS v(id, status, assessment_id, score, ratio, amount, decided_at, released_at, run_error) "
            f"WHERE i.id = v.id",
            params,
        )


def installments_decide(*, now=None, batch_size=BATCH_SIZE, enqueue=None):
    """Decide every `due` installment, and every `withheld` one for which a deciding assessment
    (schedule.assessment_decides) was recorded after the one that decided it (a re-assessment) or,
    when none had, at all, batch by batch. A released one is
    released once: later runs never pick it again. Batches are picked with
    select_for_update(skip_locked): two runs at once share the work instead of doing it twice.
    `enqueue(installment_id)` is called after each batch commits, for each installment released.
    Returns (released, withheld) counts."""
    now = now or timezone.now()
    deciding = deciding_assessments(
        OuterRef("plan__neighbourhood_id"), OuterRef("period_start"), OuterRef("period_end")
    )
    newer = deciding.filter(pk__gt=OuterRef("assessment_id"))
    never_assessed = deciding
    pickable = Q(status=InstallmentStatus.DUE) | Q(status=InstallmentStatus.WITHHELD) & (
        Q(assessment__isnull=False, has_newer=True) | Q(assessment__isnull=True, has_any=True)
    )
    cursor, released_total, withheld_total = 0, 0, 0
    while True:
        with transaction.atomic():
            rows = list(
                SubsidyInstallment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=[InstallmentStatus.DUE, InstallmentStatus.WITHHELD], pk__gt=cursor)
                .alias(has_newer=Exists(newer), has_any=Exists(never_assessed))
                .filter(pickable)
                .select_related("plan")
                .order_by("pk")[:batch_size]
            )
            if not rows:
                break
            cursor, picked = rows[-1].pk, len(rows)
            rows, failed = _set_aside(rows, now)
            released = _decide_batch(rows, now) if rows else []
            if failed:
                _write_decisions(failed)
            released_total += len(released)
            withheld_total += picked - len(released)
            if enqueue is not None and released:
                transaction.on_commit(lambda ids=released: [enqueue(pk) for pk in ids])
    return released_total, withheld_total


def installments_pay(*, ids=None, released_before=None, batch_size=BATCH_SIZE, now=None):
    """Pay released installments (all of them, or those in `ids`, or those released before
    `released_before`): one SubsidyPayment per payer, split so the lines sum to the amount
    exactly, and the installment marked paid — in one transaction per batch. Idempotent: only
    `released` rows are picked, under select_for_update(skip_locked), so a row being paid by
    someone else is skipped and a paid row is never paid again. Six queries per batch (the writes
    in a savepoint). An installment whose lines cannot be built or written (a plan written past
    the services) stays released with `run_error`, and the batch's other rows are paid.
    Returns the number paid."""
    now = now or timezone.now()
    cursor, paid = 0, 0
    while True:
        with transaction.atomic():
            picked = SubsidyInstallment.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                status=InstallmentStatus.RELEASED, pk__gt=cursor
            )
            if ids is not None:
                picked = picked.filter(pk__in=list(ids))
            if released_before is not None:
                picked = picked.filter(released_at__lt=released_before)
            rows = list(picked.order_by("pk")[:batch_size])
            if not rows:
                break
            cursor = rows[-1].pk
            by_plan = {}
            for payer in SubsidyPayer.objects.filter(plan_id__in={row.plan_id for row in rows}).order_by(
                "plan_id", "order"
            ):
                by_plan.setdefault(payer.plan_id, []).append(payer)
            lines, failed = {}, {}
            for row in rows:
                try:
                    lines[row.pk] = _payment_lines(row, by_plan.get(row.plan_id), now)
                except (ArithmeticError, KeyError, TypeError, ValueError) as exc:
                    failed[row.pk] = _error_text(exc)
            paid += _pay_isolated(lines, failed, now)
            for pk, error in failed.items():
                log.error("subsidy installment %s left unpaid by the daily run: %s", pk, error)
                error = _("无法发放：%(error)s") % {"error": error}
                SubsidyInstallment.objects.filter(pk=pk).update(run_error=error)
    return paid


def _payment_lines(row, payers, now):
    """The payment lines of released installment `row`: one per payer, summing to its amount."""
    if not payers:
        raise ValueError(_("该补贴计划没有出资方。"))
    amounts = split(row.amount, [p.share for p in payers])
    if sum(amounts) != row.amount or any(amount < 0 for amount in amounts):
        raise ValueError(_("各出资方分担比例合计不是100%。"))
    return [SubsidyPayment(installment=row, payer=p, amount=a, paid_at=now) for p, a in zip(payers, amounts)]


def _pay_rows(lines, now):
    """Insert the lines of the installments in `lines` ({id: [SubsidyPayment]}) and mark them paid."""
    SubsidyPayment.objects.bulk_create([payment for rows in lines.values() for payment in rows])
    SubsidyInstallment.objects.filter(pk__in=list(lines)).update(
        status=InstallmentStatus.PAID, paid_at=now, run_error=""
    )


def _pay_isolated(lines, failed, now):
    """Pay the installments of `lines` in one statement each for lines and rows; when that fails,
    one installment at a time in savepoints, recording each that fails in `failed`. The rows are
    locked by the caller, so each is paid at most once. Returns the number paid."""
    if not lines:
        return 0
    try:
        with transaction.atomic():
            _pay_rows(lines, now)
        return len(lines)
    except DatabaseError:
        pass
    paid = 0
    for pk, rows in lines.items():
        try:
            with transaction.atomic():
                _pay_rows({pk: rows}, now)
            paid += 1
        except DatabaseError as exc:
            failed[pk] = _error_text(exc)
    return paid


# How long a released installment may wait for its payment message before the hourly sweep pays
# it: well beyond a normal queue delay, well within the hour between sweeps.
SWEEP_AFTER = datetime.timedelta(minutes=30)


def installments_sweep(*, now=None, after=SWEEP_AFTER, batch_size=BATCH_SIZE):
    """The hourly sweep: pay, here, every installment released more than `after` before `now` and
    still unpaid — what a lost `installment_pay` message left behind — so it waits an hour at most
    instead of the next daily run. Only `released` rows are touched (installments_pay: status guard,
    select_for_update(skip_locked)), so a message delivered late, a daily run or a second sweep
    running at the same time pays nothing twice. One audit row when it paid something (an empty
    sweep writes nothing). Returns the number paid."""
    now = now or timezone.now()
    paid = installments_pay(released_before=now - after, batch_size=batch_size, now=now)
    if paid:
        minutes = int(after.total_seconds() // 60)
        AuditEntry.objects.create(
            action="installments_sweep",
            target_type="funding.subsidyrun",
            target_id=now.isoformat(),
            summary=_("物业补贴补发：%(paid)d 笔款项核准超过 %(minutes)d 分钟仍未发放，已补发。")
            % {"paid": paid, "minutes": minutes},
            details={"paid": paid, "released_before": (now - after).isoformat()},
        )
    return paid


def subsidies_run(*, today, actor=None, enqueue=None, batch_size=BATCH_SIZE):
    """The daily subsidy run for `today` (a date; never read from the clock here):

    1. sweep: pay every installment released before this run began and still unpaid (what a lost
       message left behind), in this process;
    2. every `scheduled` installment due by `today` becomes `due` (one UPDATE);
    3. decide due installments and re-assessed withheld ones (installments_decide);
    4. pay what was released: through `enqueue(installment_id)` after each batch commits (the
       Celery path), or here when `enqueue` is None (the command and the embedded default);
    5. plans whose last year has ended exit.

    One plan never stops the others: an installment the run cannot decide or pay (figures its
    columns cannot hold, a write the database refuses) is withheld, or left released, with its
    `run_error`, shown to staff in the admin; the count of such installments is in the audit row.

    Safe to run twice, concurrently, or after a crash: every step moves rows forward under a
    status guard (and row locks), so nothing is paid twice and nothing is missed. Returns a dict of
    counts, also written to one audit row."""
    started = timezone.now()
    summary = {"date": today.isoformat()}
    summary["swept"] = installments_pay(released_before=started, batch_size=batch_size)
    with transaction.atomic():
        summary["due"] = SubsidyInstallment.objects.filter(
            status=InstallmentStatus.SCHEDULED, due_on__lte=today
        ).update(status=InstallmentStatus.DUE)
    summary["released"], summary["withheld"] = installments_decide(batch_size=batch_size, enqueue=enqueue)
    summary["paid"] = installments_pay(batch_size=batch_size) if enqueue is None else 0
    with transaction.atomic():
        summary["exited"] = SubsidyPlan.objects.filter(status=PlanStatus.ACTIVE, ends_on__lte=today).update(
            status=PlanStatus.EXITED, exited_on=today
        )
        summary["errors"] = (
            SubsidyInstallment.objects.filter(
                status__in=[InstallmentStatus.WITHHELD, InstallmentStatus.RELEASED]
            )
            .exclude(run_error="")
            .count()
        )
        text = _(
            "物业补贴日处理：到期 %(due)d，核准 %(released)d，暂缓 %(withheld)d，"
            "发放 %(paid)d，补发 %(swept)d，退出 %(exited)d"
        ) % summary
        if summary["errors"]:
            text += _("；%(errors)d 笔款项因数据错误暂缓，见其“处理错误”") % summary
        AuditEntry.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            action="subsidies_run",
            target_type="funding.subsidyrun",
            target_id=today.isoformat(),
            summary=text,
            details=summary,
        )
    return summary
