"""Reads of the demand lists: the rankings of the chosen menu items (a project's, a neighbourhood's,
a territory's), and a household's list, submission and menu."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from projects.choices import WorkClass
from projects.models import CatalogueItem
from residents.models import Household

from ..models import DemandList, DemandSubmission
from ._counting import grouped_counts, percent

# The menu's classes in menu order: the second key of every ranking.
_CLASS_ORDER = {value: i for i, value in enumerate(WorkClass.values)}


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
        return percent(self.respondents, self.households)


def _rank_key(households, work_class, sort_order, code):
    """Where an item stands in a ranking: most households first, then the menu's class and order
    (the code, unique, settles the rest)."""
    return (-households, _CLASS_ORDER.get(work_class, 9), sort_order, code)


def _menu_items(ids):
    """{item id: its pk, code, name, class and menu order} for the menu items `ids`. One query."""
    return {
        i["pk"]: i
        for i in CatalogueItem.objects.filter(pk__in=ids).values(
            "pk", "code", "name", "work_class", "sort_order"
        )
    }


def _ranked(counts, items, households, neighbourhood_id=None):
    """DemandRows from {item id: households} (already aggregated: at most the menu's length) and
    the items read by `_menu_items`, ranked; shares of `households`. No query."""

    def key(pk):
        item = items[pk]
        return _rank_key(counts[pk], item["work_class"], item["sort_order"], item["code"])

    ordered = sorted(counts, key=key)
    return [
        DemandRow(
            pk,
            items[pk]["code"],
            items[pk]["name"],
            items[pk]["work_class"],
            counts[pk],
            percent(counts[pk], households),
            neighbourhood_id,
        )
        for pk in ordered
    ]


def demand_aggregate(project, *, neighbourhood=None):
    """The ranking of a project's demand lists (or of one neighbourhood's): for each menu item
    the households whose current submission chose it, and their share of all the households of
    the project's neighbourhoods (of the neighbourhood). Ranked by households, then menu order.

    The counting is done by the database: one GROUP BY over the chosen items of the current
    submissions of the project's lists (the item ids only; names are read afterwards for the few
    dozen items), never a loop over submissions. Five queries whatever the size: the lists, the
    households, the respondents, the aggregate, the items' names."""
    lists = DemandList.objects.filter(project=project)
    if neighbourhood is not None:
        lists = lists.filter(neighbourhood=neighbourhood)
        households = Household.objects.filter(neighbourhood=neighbourhood).count()
    else:
        households = Household.objects.filter(neighbourhood__projects=project).count()
    list_ids = list(lists.values_list("pk", flat=True))
    respondents = DemandSubmission.objects.filter(demand_list_id__in=list_ids, is_current=True).count()
    counts = dict(
        grouped_counts(
            DemandSubmission.items.through.objects.filter(
                demandsubmission__demand_list_id__in=list_ids, demandsubmission__is_current=True
            ),
            "catalogueitem_id",
        )
    )
    return DemandAggregate(
        households=households, respondents=respondents, rows=_ranked(counts, _menu_items(counts), households)
    )


def demand_aggregate_by_neighbourhood(project):
    """The same ranking per neighbourhood of the project: {neighbourhood id: DemandAggregate}.
    Five queries: the project's neighbourhoods, their households, the respondents per list, one
    aggregate grouped by (neighbourhood, item), and the items' names."""
    neighbourhood_ids = list(project.neighbourhoods.values_list("pk", flat=True))
    totals = dict(
        grouped_counts(Household.objects.filter(neighbourhood_id__in=neighbourhood_ids), "neighbourhood_id")
    )
    respondents = dict(
        grouped_counts(
            DemandSubmission.objects.filter(demand_list__project=project, is_current=True),
            "demand_list__neighbourhood_id",
        )
    )
    grouped = {}
    for nid, item_id, n in grouped_counts(
        DemandSubmission.items.through.objects.filter(
            demandsubmission__demand_list__project=project, demandsubmission__is_current=True
        ),
        "demandsubmission__demand_list__neighbourhood_id",
        "catalogueitem_id",
    ):
        grouped.setdefault(nid, {})[item_id] = n
    items = _menu_items({item_id for counts in grouped.values() for item_id in counts})
    return {
        nid: DemandAggregate(
            households=totals.get(nid, 0),
            respondents=respondents.get(nid, 0),
            rows=_ranked(grouped.get(nid, {}), items, totals.get(nid, 0), nid),
        )
        for nid in neighbourhood_ids
    }


def demand_ranking(lists, submitted_before, households, limit=None):
    """The menu items chosen in the demand lists `lists` (a queryset), ranked as every demand
    ranking is (households, then the menu's class and order): for each item the households whose
    current submission to one of the lists, made before `submitted_before` (an aware datetime),
    chose it, and their share of `households`; the first `limit`.

    A household has one current submission a list, so an item's count is its current submissions;
    a household answering two of the lists (two projects in its neighbourhood) counts in each.
    Two queries: the lists' ids, then one GROUP BY over their submissions' items (the items' names
    in the same rows), never a loop over submissions. The ids are read first so that PostgreSQL
    plans the GROUP BY for the lists it has (a few: index scans; a city's: one pass over the
    table) rather than for a subquery it cannot size."""
    # Without lists, the id 0 (no row has it) keeps the GROUP BY, so the count of queries stays
    # the same whatever the data (an empty IN would skip the query).
    ids = list(lists.order_by().values_list("pk", flat=True)) or [0]
    rows = (
        DemandSubmission.items.through.objects.filter(
            demandsubmission__demand_list_id__in=ids,
            demandsubmission__is_current=True,
            demandsubmission__submitted_at__lt=submitted_before,
        )
        .order_by()
        .values(
            "catalogueitem_id",
            "catalogueitem__code",
            "catalogueitem__name",
            "catalogueitem__work_class",
            "catalogueitem__sort_order",
        )
        .annotate(n=Count("pk"))
    )
    ordered = sorted(
        rows,
        key=lambda r: _rank_key(
            r["n"], r["catalogueitem__work_class"], r["catalogueitem__sort_order"], r["catalogueitem__code"]
        ),
    )
    return [
        DemandRow(
            r["catalogueitem_id"],
            r["catalogueitem__code"],
            r["catalogueitem__name"],
            r["catalogueitem__work_class"],
            r["n"],
            percent(r["n"], households),
        )
        for r in ordered[:limit]
    ]


# ---- a household's demand list -----------------------------------------------------------------


def household_demand_list(household, list_id, *, with_project=True):
    """The demand list `list_id` of the household's neighbourhood, or None, with its street (the
    district of its menu); with its project when the page shows it (a POST that is accepted reads
    only the rows it checks and writes, issue 14)."""
    lists = DemandList.objects.select_related("neighbourhood__community__street").order_by()
    if with_project:
        lists = lists.select_related("project")
    return next(iter(lists.filter(pk=list_id, neighbourhood_id=household.neighbourhood_id)[:1]), None)


def current_demand_submission(demand_list, household):
    """The household's current submission to `demand_list`, or None."""
    return DemandSubmission.objects.filter(
        demand_list=demand_list, household=household, is_current=True
    ).first()


def demand_menu(demand_list):
    """The menu a household chooses from: the active national items and its district's, grouped
    by class in menu order: [(class label, [items])]."""
    district_id = demand_list.neighbourhood.community.street.district_id
    items = CatalogueItem.objects.offered_in(district_id)
    groups = {value: [] for value in WorkClass.values}
    for item in items.order_by("sort_order", "code"):
        groups[item.work_class].append(item)
    return [(WorkClass(value).label, groups[value]) for value in WorkClass.values if groups[value]]
