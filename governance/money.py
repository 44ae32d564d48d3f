"""Money: the one written form of an amount, and the marker of the fields that hold one.

`yuan(amount)` writes an amount of yuan as every page, admin column, message and export for people
shows it: rounded to the cent half up, thousands separated by commas, two decimals, then the unit
("8,814,144.60 元", "-1,250.00 元", "0.00 元"); nothing (None or "") is written "—". The grouping
is written here rather than left to the locale: the zh-hans number format groups nothing, and the
same figure must read the same in both languages.

`money_field(verbose_name, …)` is a DecimalField of yuan to the cent (14 digits, 2 places) that
the admin base classes (governance.admin_base) show through `yuan` in list columns and read-only
fields. It deconstructs as a plain DecimalField, so marking a field needs no migration."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
NOTHING = "—"


def yuan(value):
    """`value` (a Decimal, int or numeric string) written "8,814,144.60 元"; None or "" → "—".
    Refuses (ValueError) what is not a finite number: a float is never money."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, float):
        raise ValueError("money is never a float")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount == 0:
        amount = abs(amount)  # never "-0.00"
    return _("%(amount)s 元") % {"amount": f"{amount:,.2f}"}


def money(value):
    """Round an amount to the cent, half up (四舍五入). Call it once, at the end of a computation."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_field(verbose_name, **kwargs):
    """A DecimalField of yuan to the cent, marked as money (see the module's docstring)."""
    field = models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)
    field.is_money = True
    return field


def is_money(field):
    return getattr(field, "is_money", False)
