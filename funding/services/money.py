"""Funding sources, commitments and disbursements.

The money invariants (docs/domain-rules.md, "Money") are checked here, inside the writing transaction,
after locking the row whose total they bound: the source for commitments (committed ≤ held), the
commitment for disbursements (disbursed ≤ committed). Two writers racing for the last yuan queue on
that lock; the second sees the first's row and is refused."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from governance.bounds import check_at_most
from governance.money import yuan
from governance.scoping import can_manage, can_see, require_manage
from governance.services import audit, save_audited

from ..models import Commitment, CommitmentReversal, Disbursement, FundingSource
from ..schedule import money

ZERO = Decimal("0.00")


def _committed_from(source):
    """What is committed from `source`, net of reversals."""
    return Commitment.objects.live().filter(source=source).aggregate(total=Sum("amount"))["total"] or ZERO


def _disbursed_against(commitment):
    """What is disbursed against `commitment`, net of reversals."""
    rows = Disbursement.objects.live().filter(commitment=commitment)
    return rows.aggregate(total=Sum("amount"))["total"] or ZERO


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
        save_audited(
            commitment,
            actor=actor,
            action="commitment_create",
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
                {"commitment": _("该资金承诺已冲销，不能再拨付；请对更正后的承诺拨付。")}
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
        save_audited(
            disbursement,
            actor=actor,
            action="disbursement_create",
            summary=f"{voucher_number} {yuan(amount)}",
        )
    return disbursement
