"""Property-management subsidy plans: the checks of a plan, its installments, creating it and its exit."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.bounds import check_at_most, check_date_in_window
from governance.models import ManagementMode
from governance.scoping import require_manage
from governance.services import audit

from ..choices import DEFAULT_SCORE_BANDS, InstallmentStatus, PlanStatus
from ..models import SubsidyInstallment, SubsidyPayer, SubsidyPlan
from ..schedule import add_years, assessment_year, installment_amount, plan_year_period

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
