"""Reversals (冲销). A commitment or a disbursement is never edited: a wrong one is reversed whole
and the right amount entered as a new row. Rule for commitments: one is reversed only when no
disbursement against it is left unreversed (reverse those first). A partial reversal "down to
what was disbursed" would also keep disbursed <= committed, but it would need partial amounts
on reversal rows; whole reversals keep every row either counted in full or not at all.
Locks: the same rows as creation, in one order (source, then commitment), so a reversal and a
disbursement or a commitment of the same money queue on the same lock."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from governance.errors import Refused
from governance.money import yuan
from governance.scoping import require_manage
from governance.services import audit

from ..models import Commitment, CommitmentReversal, Disbursement, DisbursementReversal, FundingSource


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写冲销原因。")})
    return reason


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
            raise Refused(_("该资金承诺已冲销，不能重复冲销。"), code="already_reversed")
        live = Disbursement.objects.live().filter(commitment=locked)
        totals = live.aggregate(total=Sum("amount"), count=Count("pk"))
        if totals["count"]:
            raise Refused(
                _(
                    "该资金承诺尚有 %(count)d 笔未冲销的拨付，合计 %(disbursed)s；"
                    "请先冲销这些拨付，再冲销承诺。"
                )
                % {"count": totals["count"], "disbursed": yuan(totals["total"])},
                code="live_disbursements",
            )
        reversal = CommitmentReversal(commitment=locked, reason=reason, created_by=_user(actor))
        _store(
            reversal,
            of=locked,
            actor=actor,
            action="commitment_reverse",
            summary=f"{locked.source.name} → {locked.project.code} -{yuan(locked.amount)}：{reason}",
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
            raise Refused(_("该拨付已冲销，不能重复冲销。"), code="already_reversed")
        reversal = DisbursementReversal(disbursement=locked, reason=reason, created_by=_user(actor))
        _store(
            reversal,
            of=locked,
            actor=actor,
            action="disbursement_reverse",
            summary=f"{locked.voucher_number} -{yuan(locked.amount)}：{reason}",
        )
    return reversal


def _store(reversal, *, of, actor, action, summary):
    """Check and save `reversal` of the row `of`; one audit row on that row, naming the reversal
    and the amount reversed."""
    reversal.full_clean()
    reversal.save()
    audit(
        actor=actor,
        action=action,
        target=of,
        summary=summary,
        details={"reversal": reversal.pk, "amount": str(of.amount)},
    )


def _user(actor):
    return actor if getattr(actor, "pk", None) else None
