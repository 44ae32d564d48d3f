"""The neighbourhood's public income (公共收益)."""

from django.db import transaction
from django.utils.translation import gettext as _

from governance.money import yuan
from governance.scoping import require_manage
from governance.services import save_audited

from ..models import PublicIncome
from .money import _amount


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
        save_audited(
            income,
            actor=actor,
            action="public_income_add" if income.pk is None else "public_income_change",
            summary=f"{income.get_kind_display()} {yuan(income.amount)}",
        )
    return income
