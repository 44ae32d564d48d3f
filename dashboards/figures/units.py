"""The dashboards' units and period: the levels from the city down to a project, the page's
filter (plan year, as-of month), a unit's way up (the breadcrumb), the neighbourhoods of a unit an
actor sees (through the one scoping function) and the plan year's projects touching them.

Read-only, like every module of this package.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import Community, District, Neighbourhood, Street
from governance.scoping import scope
from projects.choices import Stage
from projects.models import Project, ProjectTransition

ZERO = Decimal("0.00")

CITY, DISTRICT, STREET, COMMUNITY, NEIGHBOURHOOD, PROJECT = (
    "city",
    "district",
    "street",
    "community",
    "neighbourhood",
    "project",
)
LEVELS = (CITY, DISTRICT, STREET, COMMUNITY, NEIGHBOURHOOD, PROJECT)
LEVEL_NAMES = {
    CITY: _("全市"),
    DISTRICT: _("区"),
    STREET: _("街道"),
    COMMUNITY: _("社区"),
    NEIGHBOURHOOD: _("小区"),
    PROJECT: _("项目"),
}
LEVEL_MODELS = {
    DISTRICT: District,
    STREET: Street,
    COMMUNITY: Community,
    NEIGHBOURHOOD: Neighbourhood,
    PROJECT: Project,
}
# How a neighbourhood reaches a unit of each level, and the level below each one.
NEIGHBOURHOOD_LOOKUP = {
    DISTRICT: "community__street__district_id",
    STREET: "community__street_id",
    COMMUNITY: "community_id",
    NEIGHBOURHOOD: "pk",
}
CHILD_LEVEL = {CITY: DISTRICT, DISTRICT: STREET, STREET: COMMUNITY, COMMUNITY: NEIGHBOURHOOD}

# The longest list a page shows (the projects with a gap, the unmanaged neighbourhoods, the waiting
# items); its export holds every row.
LIST_LIMIT = 100


@dataclass(frozen=True)
class Period:
    """The page's filter: the plan year and the as-of month (its last day counts, or today)."""

    year: int
    month: datetime.date  # the first day of the as-of month

    @property
    def as_of(self):
        """The last day of the as-of month, or today while that month runs."""
        following = (self.month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return min(following - datetime.timedelta(days=1), timezone.localdate())

    @property
    def as_of_end(self):
        """The end of the as-of date, an aware datetime in the project's time zone."""
        start = datetime.datetime.combine(self.as_of + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(start)


@dataclass
class Unit:
    """A place the dashboard shows: its level, its row (None for the city) and the way up."""

    level: str
    obj: object = None
    ancestors: list = field(default_factory=list)  # [(level, obj)], coarsest first

    @property
    def name(self):
        if self.obj is None:
            return str(LEVEL_NAMES[CITY])
        return self.obj.name if self.level != PROJECT else str(self.obj)

    @property
    def pk(self):
        return None if self.obj is None else self.obj.pk


def ancestors_of(level, obj):
    """[(level, obj)] above a row, coarsest first (from the rows select_related brought)."""
    if level == DISTRICT:
        return []
    if level == STREET:
        return [(DISTRICT, obj.district)]
    if level == COMMUNITY:
        return [(DISTRICT, obj.street.district), (STREET, obj.street)]
    if level == NEIGHBOURHOOD:
        c = obj.community
        return [(DISTRICT, c.street.district), (STREET, c.street), (COMMUNITY, c)]
    return []


UNIT_RELATED = {
    DISTRICT: (),
    STREET: ("district",),
    COMMUNITY: ("street__district",),
    NEIGHBOURHOOD: ("community__street__district",),
    PROJECT: ("lead_street__district",),
}


def scoped_neighbourhoods(actor, unit):
    """The neighbourhoods of `unit` that `actor` sees (the one scoping function, then the unit)."""
    rows = scope(Neighbourhood.objects.all(), actor)
    if unit.level in NEIGHBOURHOOD_LOOKUP:
        rows = rows.filter(**{NEIGHBOURHOOD_LOOKUP[unit.level]: unit.pk})
    elif unit.level == PROJECT:
        rows = rows.filter(projects=unit.obj)
    return rows

def plan_projects(period, year=None, *, years=None):
    """The projects of the plan year (`year`, else the period's; or of any of `years`) recorded by
    the as-of date, not cancelled by then."""
    cancelled = ProjectTransition.objects.filter(
        project=OuterRef("pk"), to_stage=Stage.CANCELLED, at__lt=period.as_of_end
    )
    chosen = {"year__in": years} if years is not None else {"year": year or period.year}
    return Project.objects.filter(created_at__lt=period.as_of_end, **chosen).exclude(Exists(cancelled))


def live_at(period):
    """Commitments/disbursements not reversed by the as-of date."""
    return Q(reversal__isnull=True) | Q(reversal__created_at__gte=period.as_of_end)

# The overview's table by year shows the plan years ending with the chosen one.
YEARS_SHOWN = 5


def plan_years(period):
    return list(range(period.year - YEARS_SHOWN + 1, period.year + 1))


def rate(part, whole):
    """A percentage with one decimal place (Decimal), None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))

def unit_projects(neighbourhoods, period):
    """The distinct projects of the plan year touching `neighbourhoods`."""
    return plan_projects(period).filter(
        pk__in=Project.neighbourhoods.through.objects.filter(
            neighbourhood__in=neighbourhoods.values("pk")
        ).values("project_id")
    )


def child_units(unit, ids):
    """The rows of the level below `unit` among `ids`, by id (one query)."""
    level = CHILD_LEVEL[unit.level]
    return level, LEVEL_MODELS[level].objects.in_bulk(list(ids))


def count_of(rows, link, outer="pk"):
    """A subquery annotation: how many of `rows` (a model, or a queryset of one) have the outer
    row's `outer` field as their `link` (0 when none)."""
    queryset = rows.objects.all() if isinstance(rows, type) else rows
    rows = queryset.filter(**{link: OuterRef(outer)}).order_by().values(link)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0, output_field=IntegerField())


def sum_of(model, field_name, link):
    """A subquery annotation: the sum of `model.field_name` over the rows whose `link` is the outer
    row (0.00 when none)."""
    rows = model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link)
    return Coalesce(
        Subquery(rows.annotate(t=Sum(field_name)).values("t")), ZERO, output_field=DecimalField()
    )
