"""Reads of the funding app, one per screen."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from governance.scoping import scope

from .choices import SourceKind
from .models import Commitment, Disbursement, PublicIncome, SubsidyInstallment
from .querysets import sum_of
from .schedule import money

ZERO = Decimal("0.00")


@dataclass
class KindLine:
    kind: str
    label: str
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO

    @property
    def undisbursed(self):
        return self.committed - self.disbursed


@dataclass
class ProjectFunding:
    budget: Decimal
    lines: list = field(default_factory=list)
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    commitments: list = field(default_factory=list)

    @property
    def gap(self):
        """What the commitments still lack to cover the budget (0 when covered)."""
        return max(self.budget - self.committed, ZERO)

    @property
    def covered(self):
        return self.committed >= self.budget


def project_funding(project):
    """A project's funding page: budget, committed and disbursed by source kind (in the order of
    SourceKind), totals, the gap, and the commitments with what each has disbursed. Every figure is
    net of reversals; a reversed commitment is listed (with its reversal) but counts for nothing.
    Three queries whatever the number of commitments, disbursements and reversals."""
    committed = dict(
        Commitment.objects.live()
        .filter(project=project)
        .values_list("source__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    disbursed = dict(
        Disbursement.objects.live()
        .filter(commitment__project=project)
        .values_list("commitment__source__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    page = ProjectFunding(budget=project.budget)
    for kind in SourceKind:
        if kind.value in committed or kind.value in disbursed:
            # money(): SQLite's SUM drops the trailing zeros of a decimal
            page.lines.append(
                KindLine(
                    kind.value,
                    kind.label,
                    money(committed.get(kind.value, ZERO)),
                    money(disbursed.get(kind.value, ZERO)),
                )
            )
    page.committed = sum((line.committed for line in page.lines), ZERO)
    page.disbursed = sum((line.disbursed for line in page.lines), ZERO)
    page.commitments = list(
        Commitment.objects.filter(project=project)
        .select_related("source", "reversal")
        .annotate(disbursed=sum_of(Disbursement, "amount", "commitment", live=True))
        .order_by("committed_on", "id")
    )
    return page


def public_incomes(neighbourhood):
    """A neighbourhood's public income as residents see it (no personal data: no recorder), newest
    period first, with the total. One query."""
    rows = list(
        PublicIncome.objects.filter(neighbourhood=neighbourhood).order_by("-period_start", "kind", "id")
    )
    total = sum((row.amount for row in rows), ZERO)
    return rows, total


def plan_schedule(plan):
    """A plan's whole schedule, year by year, with the assessment that decided each installment and
    its payment lines. Two queries."""
    return list(
        SubsidyInstallment.objects.filter(plan=plan)
        .select_related("assessment")
        .prefetch_related("payments__payer")
        .order_by("year")
    )


def installments_for_staff(actor):
    return scope(SubsidyInstallment.objects.all(), actor).select_related("plan__neighbourhood", "assessment")


def _as_of(model, field, link, day, moment):
    """A subquery expression: the sum of `model.field` over the outer row's money rows (joined by
    `link`) dated before `day` and recorded before `moment`, net of the reversals recorded before
    `moment` (a reversal recorded later did not exist yet). 0.00 when none."""
    rows = (
        model.objects.filter(**{link: OuterRef("pk"), f"{field}__lt": day, "created_at__lt": moment})
        .exclude(reversal__created_at__lt=moment)
        .order_by()
        .values(link)
        .annotate(total=Sum("amount"))
    )
    total = DecimalField(max_digits=16, decimal_places=2)
    return Coalesce(Subquery(rows.values("total")), ZERO, output_field=total)


def committed_as_of(day, moment):
    """For a Project queryset: what was committed to the project, dated before `day` (a date) and
    on record before `moment` (an aware datetime), as a report of the month ending there reads it."""
    return _as_of(Commitment, "committed_on", "project", day, moment)


def disbursed_as_of(day, moment):
    """For a Project queryset: what was paid against its commitments, dated before `day` and on
    record before `moment`."""
    return _as_of(Disbursement, "paid_on", "commitment__project", day, moment)
