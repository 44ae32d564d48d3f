"""Reusable query expressions of the funding app."""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def sum_of(model, field, link):
    """A subquery annotation: the sum of `model.field` over the rows whose `link` is the outer row
    (0.00 when none) — one column, no GROUP BY on the outer query, no duplicated rows."""
    rows = model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(total=Sum(field))
    return Coalesce(Subquery(rows.values("total")), Decimal("0.00"), output_field=DecimalField())
