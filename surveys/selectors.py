"""Reads of the surveys app, one per screen or endpoint."""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from projects.choices import WorkClass
from residents.models import Household

from .choices import ADOPTED_ANSWERS, OpinionAnswer
from .models import DemandSubmission, Opinion


@dataclass
class OpinionCount:
    code: str
    name: str
    collected: int = 0
    adopted: int = 0
    not_adopted: int = 0
    explained: int = 0
    pending: int = 0

    @property
    def summary(self):
        return _("收集意见 %(n)d 条，采纳 %(m)d 条") % {"n": self.collected, "m": self.adopted}


@dataclass
class OpinionCounts:
    total: OpinionCount
    steps: list = field(default_factory=list)


def opinion_counts(process):
    """"收集 N 条，采纳 M 条" per step and for the whole process (adopted = adopted or partly
    adopted); opinions recorded without a step count in the total only. Two queries: the steps,
    and the opinions counted per step in one aggregate."""
    steps = [OpinionCount(code, name) for code, name in process.steps.order_by("order").values_list("code", "name")]
    by_code = {s.code: s for s in steps}
    rows = (
        Opinion.objects.filter(process=process)
        .order_by()
        .values("step__code")
        .annotate(
            collected=Count("pk"),
            adopted=Count("pk", filter=Q(answer__in=ADOPTED_ANSWERS)),
            not_adopted=Count("pk", filter=Q(answer=OpinionAnswer.NOT_ADOPTED)),
            explained=Count("pk", filter=Q(answer=OpinionAnswer.EXPLAINED)),
            pending=Count("pk", filter=Q(answer=OpinionAnswer.PENDING)),
        )
    )
    total = OpinionCount("", _("合计"))
    for row in rows:
        for target in (by_code.get(row["step__code"]), total):
            if target is None:
                continue
            for name in ("collected", "adopted", "not_adopted", "explained", "pending"):
                setattr(target, name, getattr(target, name) + row[name])
    return OpinionCounts(total=total, steps=steps)


@dataclass
class DemandRow:
    item_id: int
    code: str
    name: str
    work_class: str
    households: int
    share: Decimal  # of all households of the place, in percent, 1 decimal (display only)
    neighbourhood_id: int | None = None


@dataclass
class DemandAggregate:
    """Menu items ranked by the share of households that chose them (current submissions)."""

    households: int
    respondents: int
    rows: list

    @property
    def response_rate(self):
        return _percent(self.respondents, self.households)


def _percent(part, whole):
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _class_rank(prefix):
    """basic, improvement, enhancement: the menu's order of classes, for ties in the ranking."""
    return Case(
        *(When(**{f"{prefix}work_class": value, "then": Value(rank)}) for rank, value in enumerate(WorkClass.values)),
        default=Value(len(WorkClass.values)),
        output_field=IntegerField(),
    )


def demand_aggregate(project, *, neighbourhood=None):
    """The ranking of a project's demand lists (or of one neighbourhood's): for each menu item
    the households whose current submission chose it, and their share of all the households of
    the project's neighbourhoods (of the neighbourhood). Ranked by households, then menu order.
    Three queries whatever the size: the households, the respondents, and one aggregate over the
    chosen items (no loop over submissions)."""
    neighbourhood_ids = [neighbourhood.pk] if neighbourhood else list(
        project.neighbourhoods.values_list("pk", flat=True)
    )
    households = Household.objects.filter(neighbourhood_id__in=neighbourhood_ids).count()
    current = DemandSubmission.objects.filter(
        demand_list__project=project, demand_list__neighbourhood_id__in=neighbourhood_ids, is_current=True
    )
    respondents = current.count()
    through = DemandSubmission.items.through
    rows = (
        through.objects.filter(demandsubmission__in=current)
        .values("catalogueitem_id", "catalogueitem__code", "catalogueitem__name", "catalogueitem__work_class")
        .annotate(n=Count("pk"), class_rank=_class_rank("catalogueitem__"))
        .order_by("-n", "class_rank", "catalogueitem__sort_order", "catalogueitem__code")
    )
    return DemandAggregate(
        households=households,
        respondents=respondents,
        rows=[
            DemandRow(r["catalogueitem_id"], r["catalogueitem__code"], r["catalogueitem__name"],
                      r["catalogueitem__work_class"], r["n"], _percent(r["n"], households))
            for r in rows
        ],
    )


def demand_aggregate_by_neighbourhood(project):
    """The same ranking per neighbourhood of the project, in one aggregate query (plus one for the
    household counts): {neighbourhood id: DemandAggregate}."""
    neighbourhoods = dict(project.neighbourhoods.values_list("pk", "name"))
    totals = dict(
        Household.objects.filter(neighbourhood_id__in=neighbourhoods).order_by().values("neighbourhood_id")
        .annotate(n=Count("pk")).values_list("neighbourhood_id", "n")
    )
    through = DemandSubmission.items.through
    rows = (
        through.objects.filter(demandsubmission__demand_list__project=project, demandsubmission__is_current=True)
        .values("demandsubmission__demand_list__neighbourhood_id", "catalogueitem_id", "catalogueitem__code",
                "catalogueitem__name", "catalogueitem__work_class")
        .annotate(n=Count("pk"), class_rank=_class_rank("catalogueitem__"))
        .order_by("demandsubmission__demand_list__neighbourhood_id", "-n", "class_rank",
                  "catalogueitem__sort_order", "catalogueitem__code")
    )
    result = {pk: DemandAggregate(households=totals.get(pk, 0), respondents=0, rows=[]) for pk in neighbourhoods}
    for r in rows:
        nid = r["demandsubmission__demand_list__neighbourhood_id"]
        result[nid].rows.append(
            DemandRow(r["catalogueitem_id"], r["catalogueitem__code"], r["catalogueitem__name"],
                      r["catalogueitem__work_class"], r["n"], _percent(r["n"], result[nid].households), nid)
        )
    respondents = (
        DemandSubmission.objects.filter(demand_list__project=project, is_current=True).order_by()
        .values("demand_list__neighbourhood_id").annotate(n=Count("pk"))
        .values_list("demand_list__neighbourhood_id", "n")
    )
    for nid, n in respondents:
        result[nid].respondents = n
    return result
