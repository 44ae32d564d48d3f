"""Writes of long-term management: arrangements and their assessments (the models are in
governance.models; the subsidy plans that build on them are funding's). Each service: keyword-only
arguments, an explicit actor, one transaction, an audit row."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Assessment, ManagementArrangement, Neighbourhood
from .scoping import can_see, require_manage
from .services import audit, save_audited

ZERO = Decimal("0.00")



def arrangement_start(
    *,
    neighbourhood,
    mode,
    started_on,
    actor,
    provider=None,
    fee_per_m2_month=ZERO,
    contract_start=None,
    contract_end=None,
    note="",
):
    """Start a new management arrangement of `neighbourhood`; the current one (if any) ends the day
    before. `provider` is a record of the district's register (governance.providers.Provider) or
    None. Refuses: an actor who does not manage the neighbourhood; a provider the actor cannot see
    or of another district; a start not after the current arrangement's start; a professional mode
    without a provider; a contract ending before it starts; a negative fee."""
    with transaction.atomic():
        locked = Neighbourhood.objects.select_for_update().get(pk=neighbourhood.pk)
        require_manage(actor, locked)
        if provider is not None and not can_see(actor, provider):
            raise ValidationError({"provider": _("所选的物业服务单位不存在。")})
        current = (
            ManagementArrangement.objects.select_for_update()
            .filter(neighbourhood=locked, ended_on__isnull=True)
            .first()
        )
        if current is not None:
            if started_on <= current.started_on:
                raise ValidationError(
                    {
                        "started_on": _("新的管理方式须在现行管理方式开始（%(date)s）之后开始。")
                        % {"date": current.started_on}
                    }
                )
            current.ended_on = started_on - datetime.timedelta(days=1)
            current.save(update_fields=["ended_on"])
        arrangement = ManagementArrangement(
            neighbourhood=locked,
            mode=mode,
            provider=provider,
            started_on=started_on,
            contract_start=contract_start,
            contract_end=contract_end,
            fee_per_m2_month=fee_per_m2_month,
            note=note,
        )
        save_audited(
            arrangement,
            actor=actor,
            action="arrangement_start",
            summary=f"{locked.name} {arrangement.get_mode_display()}",
            details={"provider": provider.pk if provider is not None else None},
        )
    return arrangement


def assessment_record(
    *,
    arrangement,
    year,
    score,
    assessor,
    actor,
    items=None,
    assessed_at=None,
    note="",
    period_start=None,
    period_end=None,
):
    """Record an assessment of `arrangement` for `year` (a re-assessment adds a row; the latest
    recorded counts). `period_start`/`period_end` (inclusive) is the service period it judges,
    by default the calendar year `year`. Refuses a score outside 0–100, item points that are not
    numbers, a blank assessor, a period out of order, longer than a year or not touching `year`,
    and an actor who does not manage the arrangement. The next subsidy run applies it to the plan
    year in which its period ends (funding.schedule.assessment_decides)."""
    try:
        score = Decimal(str(score))
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": _("考核得分“%(value)s”不是有效的数字。") % {"value": score}})
    if not score.is_finite() or not 0 <= score <= 100:
        raise ValidationError({"score": _("考核得分须在0至100之间，现为 %(value)s。") % {"value": score}})
    clean_items = {}
    for key, value in (items or {}).items():
        try:
            clean_items[str(key)] = str(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            raise ValidationError(
                {"items": _("分项“%(key)s”的得分“%(value)s”不是有效的数字。") % {"key": key, "value": value}}
            )
    if not (assessor or "").strip():
        raise ValidationError({"assessor": _("请填写考核单位或考核人。")})
    with transaction.atomic():
        require_manage(actor, arrangement)
        assessment = Assessment(
            arrangement=arrangement,
            year=year,
            period_start=period_start,
            period_end=period_end,
            score=score,
            items=clean_items,
            assessor=assessor.strip(),
            assessed_at=assessed_at or timezone.now(),
            note=note,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        assessment.full_clean()  # fills the period from the year: the audit row names it
        assessment.save()
        audit(
            actor=actor,
            action="assessment_record",
            target=assessment,
            summary=f"{year} {score}",
            details={"period": [str(assessment.period_start), str(assessment.period_end)]},
        )
    return assessment


def arrangement_note_change(*, arrangement, note, actor):
    """Change the note of an arrangement, its only field editable afterwards (mode, provider, dates,
    contract period and fee stay as they were: a change of those is a new arrangement). Refuses an actor who does
    not manage the arrangement."""
    with transaction.atomic():
        locked = ManagementArrangement.objects.select_for_update().get(pk=arrangement.pk)
        require_manage(actor, locked)
        locked.note = note or ""
        locked.save(update_fields=["note"])
        audit(actor=actor, action="arrangement_note_change", target=locked, summary=locked.note[:200])
    return locked
