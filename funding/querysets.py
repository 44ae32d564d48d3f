"""Reusable query expressions of the funding app."""

from decimal import Decimal

from django.db import models
from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


class MoneyRowQuerySet(models.QuerySet):
    """Commitments and disbursements: `live()` are the rows not reversed, the ones every total
    counts."""

    def live(self):
        return self.filter(reversal__isnull=True)


def sum_of(model, field, link, live=False):
    """A subquery annotation: the sum of `model.field` over the rows whose `link` is the outer row
    (0.00 when none) — one column, no GROUP BY on the outer query, no duplicated rows. `live`: only
    the rows not reversed (commitments, disbursements)."""
    rows = (model.objects.live() if live else model.objects.all()).filter(**{link: OuterRef("pk")})
    rows = rows.order_by().values(link).annotate(total=Sum(field))
    return Coalesce(Subquery(rows.values("total")), Decimal("0.00"), output_field=DecimalField())
