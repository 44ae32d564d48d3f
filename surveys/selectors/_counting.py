"""The arithmetic the surveys reads share: shares in percent, and counts grouped in the database."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count


def percent(part, whole):
    """`part` as a share of `whole` in percent, 1 decimal (half up); 0.0 of nothing."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def grouped_counts(rows, *keys, counted="*"):
    """(key values..., n) for each group of `rows` (a queryset) by the fields `keys`, counted by
    the database in one GROUP BY: n is COUNT(`counted`) ("*" or a field). The model's default
    ordering is dropped (it would join the GROUP BY). Used as dict(...) for one key."""
    return rows.order_by().values(*keys).annotate(n=Count(counted)).values_list(*keys, "n")
