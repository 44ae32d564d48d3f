"""Writes of the funding app. Each service: keyword-only arguments, an explicit actor, one
transaction, an audit row.

The money invariants (docs/domain-rules.md, "Money") are checked here, inside the writing transaction,
after locking the row whose total they bound: the source for commitments (committed ≤ held), the
commitment for disbursements (disbursed ≤ committed). Two writers racing for the last yuan queue on
that lock; the second sees the first's row and is refused.

The subsidy run (`subsidies_run`) is batch work over many plans: it writes one audit row per run
(not per installment) and keeps a fixed number of queries per batch.
"""

import datetime
import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.bounds import check_at_most, check_date_in_window
from governance.models import Assessment, AuditEntry, ManagementMode
from governance.money import yuan
from governance.scoping import can_manage, can_see, require_manage
from governance.services import audit

from .choices import DEFAULT_SCORE_BANDS, InstallmentStatus, PlanStatus
from .models import (
    Commitment,
    CommitmentReversal,
    Disbursement,
    DisbursementReversal,
    FundingSource,
    PublicIncome,
    SubsidyInstallment,
    SubsidyPayer,
    SubsidyPayment,
    SubsidyPlan,
)
from .schedule import (
    add_years,
    assessment_decides,
    assessment_year,
    installment_amount,
    money,
    payout_ratio,
    plan_year_period,
    split,
)

BATCH_SIZE = 500
log = logging.getLogger(__name__)
ZERO = Decimal("0.00")


def _committed_from(source):
    """What is committed from `source`, net of reversals."""
    return Commitment.objects.live().filter(source=source).aggregate(total=Sum("amount"))["total"] or ZERO


def _disbursed_against(commitment):
    """What is disbursed against `commitment`, net of reversals."""
    rows = Disbursement.objects.live().filter(commitment=commitment)
    return rows.aggregate(total=Sum("amount"))["total"] or ZERO


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写冲销原因。")})
    return reason



def _amount(value, field, label):
    """A positive amount of yuan with at most two decimals, or a ValidationError naming `field`."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(
            {field: _("%(label)s“%(value)s”不是有效的金额。") % {"label": label, "value": value}}
        )
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(
            {field: _("%(label)s须大于0，现为 %(value)s 元。") % {"label": label, "value": value}}
        )
    if money(amount) != amount:
        raise ValidationError(
            {
                field: _("%(label)s最多保留两位小数（到分），现为 %(value)s。")
                % {"label": label, "value": value}
            }
        )
    check_at_most(amount, "amount", field, label)
    return amount


# ---- sources, commitments, disbursements ---------------------------------------------------


def funding_source_save(*, source, actor):
    """Create or update a funding source. Refuses: a total that is not a positive amount of yuan
    to the cent; an actor who does not manage the source's
    territory (a district-wide source, without a street, is managed by superusers); a street of
    another district; a total below what is already committed from it (checked under a lock on
    the source)."""
    _amount(source.amount_held, "amount_held", _("资金总额"))
    with transaction.atomic():
        if source.street_id and source.street.district_id != source.district_id:
            raise ValidationError({"street": _("所选街道不属于所选的区。")})
        if source.pk:
            stored = FundingSource.objects.select_for_update().get(pk=source.pk)
            require_manage(actor, stored)
            committed = stored.commitments.live().aggregate(total=Sum("amount"))["total"] or ZERO
            if source.amount_held is not None and source.amount_held < committed:
                raise ValidationError(
                    {
                        "amount_held": _("资金总额 %(held)s低于已承诺的 %(committed)s。")
                        % {"held": yuan(source.amount_held), "committed": yuan(committed)}
                    }
                )
        source.full_clean()
        created = source.pk is None
        source.save()
        require_manage(actor, source)  # in the transaction: a refusal rolls the insert back
        audit(
            actor=actor,
            action="funding_source_add" if created else "funding_source_change",
            target=source,
            summary=f"{source.name} {yuan(source.amount_held)}",
        )
    return source


def commitment_create(*, source, project, amount, committed_on, actor, document_number="", conditions=""):
    """Commit money of `source` to `project`. Guarantees, under a lock on the source: the amount is
    positive (to the cent) and the source's commitments stay within what it holds. Refuses an
    actor who does not manage the project or cannot see the source."""
    amount = _amount(amount, "amount", _("承诺金额"))
    if not can_manage(actor, project) or not can_see(actor, source):
        raise PermissionDenied
    with transaction.atomic():
        locked = FundingSource.objects.select_for_update().get(pk=source.pk)
        committed = _committed_from(locked)
        available = locked.amount_held - committed
        if amount > available:
            raise ValidationError(
                {
                    "amount": _(
                        "承诺金额 %(amount)s超过资金来源“%(source)s”尚未承诺的 %(available)s"
                        "（总额 %(held)s，已承诺 %(committed)s）。"
                    )
                    % {
                        "amount": yuan(amount),
                        "source": locked.name,
                        "available": yuan(available),
                        "held": yuan(locked.amount_held),
                        "committed": yuan(committed),
                    }
                }
            )
        commitment = Commitment(
            source=locked,
            project=project,
            amount=amount,
            committed_on=committed_on,
            document_number=document_number,
            conditions=conditions,
            created_by=actor,
        )
        commitment.full_clean()
        commitment.save()
        audit(
            actor=actor,
            action="commitment_create",
            target=commitment,
            summary=f"{locked.name} → {project.code} {yuan(amount)}",
        )
    return commitment


def disbursement_create(*, commitment, amount, paid_on, payee, voucher_number, actor):
    """Pay out against a commitment. Guarantees, under a lock on the commitment: the amount is
    positive (to the cent) and what is disbursed never exceeds what was committed. Refuses an actor
    who does not manage the commitment's project, and a blank payee or voucher number."""
    amount = _amount(amount, "amount", _("拨付金额"))
    if not (payee or "").strip():
        raise ValidationError({"payee": _("请填写收款单位。")})
    if not (voucher_number or "").strip():
        raise ValidationError({"voucher_number": _("请填写凭证号。")})
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        require_manage(actor, locked)
        if CommitmentReversal.objects.filter(commitment=locked).exists():
            raise ValidationError(
                {"commitment": _("该资金承诺已冲销，不能再拨付；请对更正后的承诺拨付。")},
                code="reversed",
            )
        disbursed = _disbursed_against(locked)
        remaining = locked.amount - disbursed
        if amount > remaining:
            raise ValidationError(
                {
                    "amount": _(
                        "拨付金额 %(amount)s超过该承诺尚未拨付的 %(remaining)s"
                        "（承诺 %(committed)s，已拨付 %(disbursed)s）。"
                    )
                    % {
                        "amount": yuan(amount),
                        "remaining": yuan(remaining),
                        "committed": yuan(locked.amount),
                        "disbursed": yuan(disbursed),
                    }
                }
            )
        disbursement = Disbursement(
            commitment=locked,
            amount=amount,
            paid_on=paid_on,
            payee=payee.strip(),
            voucher_number=voucher_number.strip(),
            created_by=actor,
        )
        disbursement.full_clean()
        disbursement.save()
        audit(
            actor=actor,
            action="disbursement_create",
            target=disbursement,
            summary=f"{voucher_number} {yuan(amount)}",
        )
    return disbursement


# Reversals (冲销). A commitment or a disbursement is never edited: a wrong one is reversed whole
# and the right amount entered as a new row. Rule for commitments: one is reversed only when no
# disbursement against it is left unreversed (reverse those first). A partial reversal "down to
# what was disbursed" would also keep disbursed <= committed, but it would need partial amounts
# on reversal rows; whole reversals keep every row either counted in full or not at all.
# Locks: the same rows as creation, in one order (source, then commitment), so a reversal and a
# disbursement or a commitment of the same money queue on the same lock.

# The codes of refusals that are the state of the row, not the input (the API answers 409).
CONFLICT_CODES = {"reversed", "already_reversed", "live_disbursements"}


def commitment_reverse(*, commitment, reason, actor):
    """Reverse a whole commitment: from then on it counts for nothing (in the source's committed
    total, the project's funding page and its gate); the source's money is free again. Under a lock
    on its source and on itself. Refuses: a blank reason (400); an actor who does not manage the
    commitment's project (PermissionDenied); a commitment already reversed, or with a disbursement
    against it not yet reversed (ValidationError with code "already_reversed" or
    "live_disbursements"). One audit row."""
    reason = _reason(reason)
    with transaction.atomic():
        FundingSource.objects.select_for_update().filter(pk=commitment.source_id).first()
        locked = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("source", "project")
            .get(pk=commitment.pk)
        )
        require_manage(actor, locked)
        if CommitmentReversal.objects.filter(commitment=locked).exists():
            raise ValidationError(_("该资金承诺已冲销，不能重复冲销。"), code="already_reversed")
        live = Disbursement.objects.live().filter(commitment=locked)
        totals = live.aggregate(total=Sum("amount"), count=Count("pk"))
        if totals["count"]:
            raise ValidationError(
                _(
                    "该资金承诺尚有 %(count)d 笔未冲销的拨付，合计 %(disbursed)s；"
                    "请先冲销这些拨付，再冲销承诺。"
                )
                % {"count": totals["count"], "disbursed": yuan(totals["total"])},
                code="live_disbursements",
            )
        reversal = CommitmentReversal(commitment=locked, reason=reason, created_by=_user(actor))
        reversal.full_clean()
        reversal.save()
        audit(
            actor=actor,
            action="commitment_reverse",
            target=locked,
            summary=f"{locked.source.name} → {locked.project.code} -{yuan(locked.amount)}：{reason}",
            details={"reversal": reversal.pk, "amount": str(locked.amount)},
        )
    return reversal


def disbursement_reverse(*, disbursement, reason, actor):
    """Reverse a whole disbursement: from then on it counts for nothing, and its amount may be
    disbursed again against the commitment. Under a lock on the commitment (as disbursement_create
    takes). Refuses: a blank reason (400); an actor who does not manage the project
    (PermissionDenied); a disbursement already reversed (ValidationError, code
    "already_reversed"). One audit row."""
    reason = _reason(reason)
    with transaction.atomic():
        Commitment.objects.select_for_update().filter(pk=disbursement.commitment_id).first()
        locked = Disbursement.objects.select_related("commitment").get(pk=disbursement.pk)
        require_manage(actor, locked)
        if DisbursementReversal.objects.filter(disbursement=locked).exists():
            raise ValidationError(_("该拨付已冲销，不能重复冲销。"), code="already_reversed")
        reversal = DisbursementReversal(disbursement=locked, reason=reason, created_by=_user(actor))
        reversal.full_clean()
        reversal.save()
        audit(
            actor=actor,
            action="disbursement_reverse",
            target=locked,
            summary=f"{locked.voucher_number} -{yuan(locked.amount)}：{reason}",
            details={"reversal": reversal.pk, "amount": str(locked.amount)},
        )
    return reversal


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


# ---- public income -------------------------------------------------------------------------


def public_income_save(*, income, actor):
    """Record (or correct) a neighbourhood's public income. Refuses a non-positive amount, a
    period ending before it starts, and an actor who does not manage the neighbourhood."""
    _amount(income.amount, "amount", _("收益金额"))
    with transaction.atomic():
        require_manage(actor, income.neighbourhood)
        if income.pk:
            require_manage(actor, PublicIncome.objects.select_for_update().get(pk=income.pk))
        if not income.pk:
            income.recorded_by = actor if getattr(actor, "pk", None) else None
        income.full_clean()
        created = income.pk is None
        income.save()
        audit(
            actor=actor,
            action="public_income_add" if created else "public_income_change",
            target=income,
            summary=f"{income.get_kind_display()} {yuan(income.amount)}",
        )
    return income


# ---- subsidy plans -------------------------------------------------------------------------


# A transitional subsidy tapers over a few years (three in the schemes docs/domain-rules.md cites);
# ten is far above any scheme and keeps every plan year's dates within the calendar.
PLAN_MAX_YEARS = 10


def _rates(rates):
    """The plan's rates as Decimals, checked: at least one and at most PLAN_MAX_YEARS, each
    positive, never rising."""
    if not rates:
        raise ValidationError({"rates": _("请至少填写一年的补贴标准。")})
    if len(rates) > PLAN_MAX_YEARS:
        raise ValidationError(
            {
                "rates": _("补贴年限最多%(max)d年，现填写了%(n)d年的补贴标准。")
                % {"max": PLAN_MAX_YEARS, "n": len(rates)}
            }
        )
    parsed = []
    for year, value in enumerate(rates, start=1):
        try:
            rate = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ValidationError(
                {
                    "rates": _("第%(year)d年的补贴标准“%(value)s”不是有效的数字。")
                    % {"year": year, "value": value}
                }
            )
        if not rate.is_finite() or rate <= 0:
            raise ValidationError(
                {
                    "rates": _("第%(year)d年的补贴标准须大于0，现为 %(value)s。")
                    % {"year": year, "value": value}
                }
            )
        if rate != rate.quantize(Decimal("0.0001")):
            raise ValidationError({"rates": _("第%(year)d年的补贴标准最多四位小数。") % {"year": year}})
        check_at_most(rate, "subsidy_rate", "rates", _("第%(year)d年的补贴标准") % {"year": year})
        if parsed and rate > parsed[-1]:
            raise ValidationError(
                {
                    "rates": _(
                        "第%(year)d年的补贴标准 %(rate)s 元/平方米·年高于第%(prev)d年的 %(prev_rate)s，"
                        "补贴标准只能逐年递减或持平。"
                    )
                    % {"year": year, "rate": rate, "prev": year - 1, "prev_rate": parsed[-1]}
                }
            )
        parsed.append(rate)
    return parsed


def _bands(bands):
    bands = DEFAULT_SCORE_BANDS if bands is None else bands
    clean = []
    for i, band in enumerate(bands, start=1):
        try:
            minimum, ratio = Decimal(str(band["min_score"])), Decimal(str(band["ratio"]))
        except (InvalidOperation, KeyError, TypeError, ValueError):
            raise ValidationError(
                {"score_bands": _("第%(n)d档须有有效的最低分（min_score）和发放比例（ratio）。") % {"n": i}}
            )
        if not 0 <= minimum <= 100:
            raise ValidationError({"score_bands": _("第%(n)d档的最低分须在0至100之间。") % {"n": i}})
        if not 0 <= ratio <= 1:
            raise ValidationError({"score_bands": _("第%(n)d档的发放比例须在0至1之间。") % {"n": i}})
        clean.append({"min_score": str(minimum), "ratio": str(ratio)})
    return clean


def _payers(payers):
    """Payer rows checked: at least one, each named (by source or name), shares positive and
    summing to exactly 100 %."""
    if not payers:
        raise ValidationError({"payers": _("请至少填写一个出资方。")})
    rows, total = [], Decimal("0")
    for order, payer in enumerate(payers, start=1):
        source = payer.get("source")
        name = (payer.get("payer_name") or (source.provider if source else "")).strip()
        if not name:
            raise ValidationError(
                {"payers": _("第%(n)d个出资方须选择资金来源或填写出资单位。") % {"n": order}}
            )
        try:
            share = Decimal(str(payer.get("share")))
        except (InvalidOperation, ValueError):
            raise ValidationError(
                {"payers": _("出资方“%(name)s”的分担比例不是有效的数字。") % {"name": name}}
            )
        if not share.is_finite() or not 0 < share <= 100 or share != share.quantize(Decimal("0.01")):
            raise ValidationError(
                {"payers": _("出资方“%(name)s”的分担比例须大于0、不超过100，最多两位小数。") % {"name": name}}
            )
        total += share
        rows.append(SubsidyPayer(order=order, source=source, payer_name=name, share=share))
    if total != 100:
        raise ValidationError(
            {"payers": _("各出资方分担比例合计须为100%%，现为 %(total)s%%。") % {"total": total}}
        )
    return rows


def _every_payout_at_least_a_cent(area, rates, bands):
    """Refuse a plan one of whose years would pay less than a cent under a paying band: its
    installment would be released with 0.00, which no payment can carry. Rates never rise, so the
    last year at the lowest paying ratio is the smallest payout."""
    ratios = [Decimal(band["ratio"]) for band in bands if Decimal(band["ratio"]) > 0]
    if ratios and installment_amount(area, rates[-1], min(ratios)) <= 0:
        raise ValidationError(
            {
                "area": _(
                    "按第%(year)d年补贴标准 %(rate)s 元/平方米·年、最低发放比例 %(ratio)s 计算，"
                    "%(area)s 平方米的年度补贴不足0.01元。"
                )
                % {"year": len(rates), "rate": rates[-1], "ratio": min(ratios), "area": area}
            }
        )


def build_installments(plan):
    """The plan's installments, one per plan year, unsaved, all `scheduled`."""
    rows = []
    for year, rate in enumerate(plan.rates, start=1):
        first, after = plan_year_period(plan.start_on, year)
        rows.append(
            SubsidyInstallment(
                plan=plan,
                year=year,
                period_start=first,
                period_end=after,
                due_on=after,
                assessment_year=assessment_year(plan.start_on, year),
                rate=Decimal(str(rate)),
            )
        )
    return rows


def subsidy_plan_check(*, neighbourhood, arrangement, area, rates, payers, score_bands=None, start_on=None):
    """The rules of a new plan's figures, checked without writing (a form shows the refusals beside
    their fields before anything is saved; subsidy_plan_create checks them again). Returns (area,
    rates, bands, payer rows) parsed; raises ValidationError keyed by "start_on" (outside the
    configured date window, when given), "area", "rates", "score_bands", "payers" or "arrangement"
    for the first rule broken."""
    check_date_in_window(start_on, "start_on")
    area = Decimal(str(area))
    if not area.is_finite() or area <= 0:
        raise ValidationError({"area": _("补贴面积须大于0，现为 %(value)s 平方米。") % {"value": area}})
    check_at_most(area, "area", "area", _("补贴面积"))
    parsed_rates = _rates(rates)
    bands = _bands(score_bands)
    payer_rows = _payers(payers)
    _every_payout_at_least_a_cent(area, parsed_rates, bands)
    if arrangement.neighbourhood_id != neighbourhood.pk:
        raise ValidationError({"arrangement": _("所选长效管理安排不属于该小区。")})
    if arrangement.mode == ManagementMode.NONE:
        raise ValidationError({"arrangement": _("“无人管理”的小区不能享受物业补贴。")})
    return area, parsed_rates, bands, payer_rows


def subsidy_plan_create(
    *, neighbourhood, arrangement, area, start_on, rates, payers, actor, score_bands=None, name=""
):
    """Create a subsidy plan with its payers and its whole schedule (one `scheduled` installment
    per plan year). `payers`: [{"source": FundingSource or None, "payer_name": str, "share": percent}]
    in order (the first takes the rounding remainder of every split).

    Refuses: an actor who does not manage the neighbourhood; an arrangement of another
    neighbourhood or with mode "none"; a start outside the configured date window; a non-positive
    area, or one above governance.bounds.MAX_AREA; rates that are missing, more than
    PLAN_MAX_YEARS, non-positive, above MAX_SUBSIDY_RATE or rising; shares not summing to 100 %;
    bands outside 0–100 points or 0–1 ratio; a year that would pay less than a cent under a paying
    band."""
    area, parsed_rates, bands, payer_rows = subsidy_plan_check(
        neighbourhood=neighbourhood,
        arrangement=arrangement,
        area=area,
        rates=rates,
        payers=payers,
        score_bands=score_bands,
        start_on=start_on,
    )
    with transaction.atomic():
        require_manage(actor, neighbourhood)
        plan = SubsidyPlan(
            neighbourhood=neighbourhood,
            arrangement=arrangement,
            name=name,
            area=area,
            start_on=start_on,
            rates=[str(r) for r in parsed_rates],
            score_bands=bands,
            ends_on=add_years(start_on, len(parsed_rates)),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        plan.full_clean()
        plan.save()
        for row in payer_rows:
            row.plan = plan
        SubsidyPayer.objects.bulk_create(payer_rows)
        SubsidyInstallment.objects.bulk_create(build_installments(plan))
        audit(
            actor=actor,
            action="subsidy_plan_create",
            target=plan,
            summary=f"{neighbourhood.name} {area}㎡ {'/'.join(plan.rates)}",
        )
    return plan


def subsidy_plan_exit(*, plan, on, actor, note=""):
    """End a plan early on `on` (e.g. the arrangement changed): the plan stops, its installments
    not yet due by then are stopped; those already due are still decided and paid. Refuses an
    exit date outside the configured window or outside the plan (before its start or after its
    end), naming the field "on"."""
    check_date_in_window(on, "on")
    with transaction.atomic():
        locked = SubsidyPlan.objects.select_for_update().get(pk=plan.pk)
        require_manage(actor, locked)
        if not locked.start_on <= on <= locked.ends_on:
            raise ValidationError(
                {
                    "on": _("退出日期 %(on)s 须在补贴计划期内（%(start)s 至 %(end)s）。")
                    % {"on": on, "start": locked.start_on, "end": locked.ends_on}
                }
            )
        if locked.status == PlanStatus.EXITED:
            raise ValidationError(_("该补贴计划已于 %(date)s 退出。") % {"date": locked.exited_on})
        locked.status, locked.exited_on = PlanStatus.EXITED, on
        locked.save(update_fields=["status", "exited_on"])
        stopped = SubsidyInstallment.objects.filter(
            plan=locked, status=InstallmentStatus.SCHEDULED, due_on__gt=on
        ).update(status=InstallmentStatus.STOPPED)
        audit(
            actor=actor,
            action="subsidy_plan_exit",
            target=locked,
            summary=note[:200],
            details={"stopped_installments": stopped},
        )
    return locked


# ---- the daily subsidy run ------------------------------------------------------------------


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


# ---- isolating a failing plan: one plan's bad figures never stop the others' payments ----------
# A plan written past the services' bounds (docs/domain-rules.md, "Money") could make a batch's one
# UPDATE or INSERT fail (numeric field overflow) on every run, so nobody would be paid. The run
# sets such an installment aside before writing (_set_aside: figures the columns cannot hold), and
# if a batch's write still fails, retries its rows one by one in savepoints: the failing one is
# withheld (or, when paying, stays released) with `run_error`, every other row goes through.


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
