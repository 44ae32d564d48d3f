"""The staff's lists of long-term management (issue 13, item 5): the unmanaged neighbourhoods
(失管) of the actor's territory with the three-nos ones (三无) marked, their count per street at the
end of each month (失管清零 progress), and the formation rate of owners' committees and property
management committees per district as the cases count it: of the neighbourhoods with at least the
district's household threshold, and of the neighbourhoods in renovation.

Everything is derived on a date through governance.querysets (managed_on, body_on), scoped through
governance.scoping.scope, and the households counted by the neighbourhood's stored total
(Neighbourhood.household_count); each read is one query whatever the territory's size. It lives
in `funding` because it reads projects, which governance may not."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q

from governance.bodies import BodyKind
from governance.models import Neighbourhood
from governance.querysets import body_on, managed_on
from governance.scoping import scope
from projects.choices import Stage
from projects.models import Project

# The committees the formation rate counts (业委会、物管委).
COMMITTEE_KINDS = (BodyKind.OWNERS_COMMITTEE, BodyKind.PROPERTY_COMMITTEE)
# A neighbourhood is in renovation once a project of it has left the candidate stage (储备) and
# was not cancelled; finished ones (closed) still count.
NOT_IN_RENOVATION = (Stage.CANDIDATE, Stage.CANCELLED)
MAX_MONTHS = 36


def month_ends(today, months):
    """The last day of each of the `months` months up to today's, oldest first; today's month ends
    today (the count so far)."""
    ends = [today]
    first = today.replace(day=1)
    for _ in range(months - 1):
        last = first - datetime.timedelta(days=1)
        ends.append(last)
        first = last.replace(day=1)
    return list(reversed(ends))


def unmanaged_neighbourhoods(actor, on_date):
    """The neighbourhoods `actor` sees that are unmanaged on `on_date`, with their street,
    community and district, `three_nos`, and `last_ended` (the last day their latest arrangement
    before the date covered, or None: never managed). Ordered by district, street, community and
    name. One query."""
    return (
        scope(Neighbourhood.objects.all(), actor)
        .unmanaged(on_date)
        .annotate(last_ended=Max("arrangements__ended_on", filter=Q(arrangements__ended_on__lt=on_date)))
        .select_related("community__street__district")
        .order_by("community__street__district__name", "community__street__name", "community__name", "name", "pk")
    )


@dataclass
class StreetRow:
    district: str
    street: str
    counts: list  # unmanaged at each month end
    three_nos: int  # three-nos on the last date


def unmanaged_by_month(actor, dates):
    """Per street the actor sees: the number of its neighbourhoods unmanaged at each of `dates`
    (a neighbourhood counts from the day it was recorded), and the three-nos ones on the last
    date. One query; streets without neighbourhoods are left out."""
    last = dates[-1]
    counts = {
        f"m{i}": Count("pk", filter=~managed_on(day) & Q(created_at__date__lte=day)) for i, day in enumerate(dates)
    }
    three_nos = Count(
        "pk",
        filter=~managed_on(last)
        & Q(original_property_unit__regex=r"^\s*$")
        & ~body_on(last)
        & Q(created_at__date__lte=last),
    )
    rows = (
        scope(Neighbourhood.objects.all(), actor)
        .values("community__street_id", "community__street__name", "community__street__district__name")
        .annotate(three_nos=three_nos, **counts)
        .order_by("community__street__district__name", "community__street__name")
    )
    return [
        StreetRow(
            district=row["community__street__district__name"],
            street=row["community__street__name"],
            counts=[row[f"m{i}"] for i in range(len(dates))],
            three_nos=row["three_nos"],
        )
        for row in rows
    ]


def district_totals(street_rows):
    """The street rows added up per district: [(district, counts, three_nos)], in order."""
    totals = {}
    for row in street_rows:
        counts, three = totals.get(row.district, ([0] * len(row.counts), 0))
        totals[row.district] = ([a + b for a, b in zip(counts, row.counts)], three + row.three_nos)
    return [(name, counts, three) for name, (counts, three) in totals.items()]


def percent(part, whole):
    """part / whole as a percentage with one decimal (Decimal), None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class FormationRow:
    district: str
    threshold: int
    large: int  # neighbourhoods with at least `threshold` households
    large_formed: int  # of them, with an owners' or property management committee
    renovating: int  # neighbourhoods in renovation
    renovating_formed: int

    @property
    def large_rate(self):
        return percent(self.large_formed, self.large)

    @property
    def renovating_rate(self):
        return percent(self.renovating_formed, self.renovating)


def formation_rates(actor, on_date):
    """Per district the actor sees, the formation rate of owners' committees and property
    management committees (业委会、物管委组建率) on `on_date` as the cases count it: of the
    neighbourhoods with at least the district's household threshold (District.committee_threshold),
    and of the neighbourhoods in renovation (a project past 储备, not cancelled). A committee counts
    as body_on says. One query."""
    renovating = Exists(
        Project.objects.filter(neighbourhoods=OuterRef("pk")).exclude(stage__in=NOT_IN_RENOVATION)
    )
    formed = body_on(on_date, COMMITTEE_KINDS)
    large = Q(household_count__gte=F("community__street__district__committee_threshold"))
    rows = (
        scope(Neighbourhood.objects.all(), actor)
        .values("community__street__district__name", "community__street__district__committee_threshold")
        .annotate(
            large=Count("pk", filter=large),
            large_formed=Count("pk", filter=large & formed),
            renovating=Count("pk", filter=renovating),
            renovating_formed=Count("pk", filter=renovating & formed),
        )
        .order_by("community__street__district__name")
    )
    return [
        FormationRow(
            district=row["community__street__district__name"],
            threshold=row["community__street__district__committee_threshold"],
            large=row["large"],
            large_formed=row["large_formed"],
            renovating=row["renovating"],
            renovating_formed=row["renovating_formed"],
        )
        for row in rows
    ]
