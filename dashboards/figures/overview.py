"""The overview's figures: what a unit of the territory (the city, a district, a street, a
community, a neighbourhood) stands at, for a plan year and as of the end of a month.

Read-only: everything is read through the lower apps' models, querysets and the scoping function;
nothing is written. Every figure comes from four flat queries whatever the size of the data
(tests/dashboards/test_pages_figures.py pins the count), added up in Python:

1. the unit's neighbourhoods the actor sees: each one's child unit (id and name), eligibility and
   stored totals (buildings, households, floor area: governance.Neighbourhood's, kept equal to a
   recount by the services that write those rows, `manage.py recount_totals --check`);
2. their links to the projects of the five plan years shown: (neighbourhood, plan year, started
   on, completed on);
3. the plan year's projects touching them: code, budget, dates and the stage at the as-of date;
4. those projects' live commitments by project and source kind, with what was paid of them.

Definitions (docs/architecture.md, "Dashboards"):
- eligible: the unit's neighbourhoods that may be renovated (governance's eligibility: built
  before the district's cut-off year, or admitted with a reason);
- in the plan: neighbourhoods of a project of the plan year (年度批次), not cancelled, recorded by
  the as-of date;
- started (开工) / completed (完工): of those, the ones whose project has a start / completion date
  on or before the as-of date;
- buildings, households and floor area are those of the counted neighbourhoods;
- the start rate (开工率) is started ÷ in the plan, by neighbourhoods and by households;
- by year: the same groups for each of the five plan years up to the chosen one (same query);
- investment: the projects of the plan year touching the unit (a project bundling neighbourhoods
  of two units counts whole in each): budget, commitments live at the as-of date by source kind,
  disbursements paid by then and live at it, and the gap (budget not yet covered by commitments,
  summed project by project);
- the stage funnel: those projects by their stage at the as-of date (the last recorded move by
  then), with how many days they have been in it.
"""

from collections import defaultdict

from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funding.choices import SourceKind
from funding.models import Commitment, Disbursement
from governance.choices import EligibilityStatus
from projects.choices import Stage
from projects.models import Project, ProjectTransition
from projects.selectors import MAIN_LINE

from .tables import Table, chart, project_cells, project_columns, project_links, unit_links
from .units import (
    CHILD_LEVEL,
    COMMUNITY,
    DISTRICT,
    LEVEL_NAMES,
    NEIGHBOURHOOD,
    NEIGHBOURHOOD_LOOKUP,
    STREET,
    ZERO,
    live_at,
    plan_projects,
    plan_years,
    rate,
    scoped_neighbourhoods,
    unit_projects,
)

# The stages of the funnel: the main line in lifecycle order (projects.selectors.MAIN_LINE), then
# suspended projects.
FUNNEL_STAGES = (*MAIN_LINE, Stage.SUSPENDED)


# The four groups of neighbourhoods the overview counts, and what is counted of each.
GROUPS = ("eligible", "planned", "started", "completed")
GROUP_NAMES = {
    "eligible": _("符合改造条件"),
    "planned": _("纳入年度计划"),
    "started": _("已开工"),
    "completed": _("已完工"),
}
MEASURES = ("neighbourhoods", "buildings", "households", "floor_area")
MEASURE_NAMES = {
    "neighbourhoods": _("小区(个)"),
    "buildings": _("楼栋(栋)"),
    "households": _("户数(户)"),
    "floor_area": _("建筑面积(m²)"),
}
# How a neighbourhood reaches the name of its unit of each child level.
CHILD_NAME = {
    DISTRICT: "community__street__district__name",
    STREET: "community__street__name",
    COMMUNITY: "community__name",
    NEIGHBOURHOOD: "name",
}


def empty_groups():
    return {
        group: {m: (ZERO if m == "floor_area" else 0) for m in MEASURES} for group in GROUPS
    }


def add_groups(total, figures):
    for group in GROUPS:
        for measure in MEASURES:
            total[group][measure] += figures[group][measure]
    return total


def _count(groups, group, buildings, households, area):
    """Count one neighbourhood (its stored totals) in `groups[group]`."""
    figures = groups[group]
    figures["neighbourhoods"] += 1
    figures["buildings"] += buildings
    figures["households"] += households
    figures["floor_area"] += area


def neighbourhood_figures(neighbourhoods, period, child_level):
    """Two flat queries: the neighbourhoods (their child unit of `child_level`, None below a
    community, eligibility and stored totals), then their links to the projects of the plan years
    of `plan_years(period)`; added up in Python. Returns (figures, names): figures
    {child_id: {year: {group: {measure: value}}}} (eligibility does not depend on the year: the
    same in every year), names {child_id: the child unit's name} (empty without a child level)."""
    child_key = NEIGHBOURHOOD_LOOKUP[child_level] if child_level else "pk"
    name_key = CHILD_NAME[child_level] if child_level else "name"
    years = plan_years(period)
    hoods = {}
    names = {}
    rows = (
        neighbourhoods.annotate_eligibility()
        .order_by()
        .values_list("pk", child_key, name_key, "eligibility", "building_count", "household_count", "floor_area_total")
    )
    for pk, child, name, eligibility, buildings, households, area in rows:
        hoods[pk] = (child, eligibility != EligibilityStatus.INELIGIBLE, buildings, households, area)
        names[child] = name
    # Each neighbourhood's plan years: {(pk, year): [started, completed]} (any of its projects).
    reached = {}
    links = Project.neighbourhoods.through.objects.filter(
        neighbourhood__in=neighbourhoods.values("pk"), project__in=plan_projects(period, years=years)
    ).values_list("neighbourhood_id", "project__year", "project__started_on", "project__completed_on")
    as_of = period.as_of  # a property reading the clock: once, not for every link
    for pk, year, started_on, completed_on in links:
        state = reached.setdefault((pk, year), [False, False])
        state[0] = state[0] or (started_on is not None and started_on <= as_of)
        state[1] = state[1] or (completed_on is not None and completed_on <= as_of)
    eligible = defaultdict(empty_groups)  # {child: groups}, only "eligible" filled
    by_year = defaultdict(empty_groups)  # {(child, year): groups}, the other three
    for pk, (child, is_eligible, buildings, households, area) in hoods.items():
        if is_eligible:
            _count(eligible[child], "eligible", buildings, households, area)
        for year in years:
            state = reached.get((pk, year))
            if state is None:
                continue
            groups = by_year[(child, year)]
            _count(groups, "planned", buildings, households, area)
            if state[0]:
                _count(groups, "started", buildings, households, area)
            if state[1]:
                _count(groups, "completed", buildings, households, area)
    result = {}
    for child in names:
        result[child] = {}
        for year in years:
            groups = empty_groups()
            if child in eligible:
                add_groups(groups, eligible[child])
            if (child, year) in by_year:
                add_groups(groups, by_year[(child, year)])
            result[child][year] = groups
    return result, (names if child_level else {})


def start_rates(groups):
    return {
        "by_neighbourhoods": rate(groups["started"]["neighbourhoods"], groups["planned"]["neighbourhoods"]),
        "by_households": rate(groups["started"]["households"], groups["planned"]["households"]),
    }


def project_rows(projects, period):
    """One query: each of `projects` (a queryset) by code, with its stage at the as-of date (the
    last recorded move by then, None before the first) and when it entered it."""
    last_move = ProjectTransition.objects.filter(project=OuterRef("pk"), at__lt=period.as_of_end).order_by(
        "-at", "-id"
    )
    return list(
        projects.annotate(
            stage_then=Subquery(last_move.values("to_stage")[:1]),
            since=Subquery(last_move.values("at")[:1]),
        )
        .order_by("code", "pk")
        .values(
            "pk", "code", "name", "stage", "budget", "started_on", "completed_on", "created_at", "stage_then", "since"
        )
    )


def compute_investment(projects, rows, period):
    """Budget, committed by source kind, disbursed and gap of `projects` (the distinct projects of
    the unit, a queryset; `rows` their project_rows). One query: the live commitments' amounts and
    what was paid of them (live payments by the as-of date), by project and source kind."""
    paid = (
        Disbursement.objects.filter(live_at(period), paid_on__lte=period.as_of, commitment=OuterRef("pk"))
        .order_by()
        .values("commitment")
        .annotate(t=Sum("amount"))
        .values("t")
    )
    commitments = (
        Commitment.objects.filter(live_at(period), committed_on__lte=period.as_of, project__in=projects.values("pk"))
        .annotate(paid=Coalesce(Subquery(paid), ZERO, output_field=DecimalField()))
        .order_by()
        .values("project_id", "source__kind")
        .annotate(total=Sum("amount"), paid=Sum("paid"))
        .values_list("project_id", "source__kind", "total", "paid")
    )
    by_kind = {}
    covered = defaultdict(lambda: ZERO)
    disbursed = ZERO
    for project_id, kind, total, paid_total in commitments:
        by_kind[kind] = by_kind.get(kind, ZERO) + total
        covered[project_id] += total
        disbursed += paid_total
    budget = sum((row["budget"] for row in rows), ZERO)
    gap = sum((max(row["budget"] - covered[row["pk"]], ZERO) for row in rows), ZERO)
    committed = sum(by_kind.values(), ZERO)
    return {
        "projects": len(rows),
        "budget": budget,
        "committed": committed,
        "by_kind": [
            {"kind": kind, "name": SourceKind(kind).label, "amount": by_kind[kind]}
            for kind in SourceKind.values
            if kind in by_kind
        ],
        "disbursed": disbursed,
        "gap": gap,
    }


def stage_funnel(rows, period):
    """The projects (`rows`: project_rows) by their stage at the as-of date, with the days they
    have been in it (average and longest). No query."""
    counts = {stage: [] for stage in FUNNEL_STAGES}
    for row in rows:
        stage = row["stage_then"] or Stage.CANDIDATE
        entered = timezone.localdate(row["since"] or row["created_at"])
        if stage in counts:
            counts[stage].append(max(0, (period.as_of - entered).days))
    funnel = []
    for stage in FUNNEL_STAGES:
        days = counts[stage]
        funnel.append(
            {
                "stage": stage,
                "name": Stage(stage).label,
                "projects": len(days),
                "average_days": round(sum(days) / len(days)) if days else None,
                "longest_days": max(days) if days else None,
            }
        )
    return funnel


LISTED = ("pk", "code", "name", "stage", "budget", "started_on", "completed_on")


def overview(actor, unit, period):
    """Every figure of the overview of `unit`: four queries whatever the size of the data."""
    neighbourhoods = scoped_neighbourhoods(actor, unit)
    child_level = CHILD_LEVEL.get(unit.level)
    per_child_years, names = neighbourhood_figures(neighbourhoods, period, child_level)
    years = {year: empty_groups() for year in plan_years(period)}
    for by_year in per_child_years.values():
        for year, figures in by_year.items():
            add_groups(years[year], figures)
    groups = years[period.year]
    children = []
    if child_level:
        for pk, by_year in per_child_years.items():
            figures = by_year[period.year]
            children.append(
                {"level": child_level, "pk": pk, "name": names[pk], "groups": figures, "rates": start_rates(figures)}
            )
        children.sort(key=lambda c: c["name"])
    projects = unit_projects(neighbourhoods, period)
    rows = project_rows(projects, period)
    project_listing = []
    if unit.level == NEIGHBOURHOOD:
        project_listing = [{key: row[key] for key in LISTED} for row in rows]
    return {
        "projects": project_listing,
        "groups": groups,
        "rates": start_rates(groups),
        "years": [{"year": year, "groups": years[year], "rates": start_rates(years[year])} for year in years],
        "child_level": child_level,
        "children": children,
        "investment": compute_investment(projects, rows, period),
        "funnel": stage_funnel(rows, period),
    }

# ---- tables: what the page shows, the charts draw and the exports write ----------------------


def _progress_table(figures):
    groups = figures["groups"]
    return Table(
        "progress",
        _("改造进度"),
        [(_("类别"), "text")] + [(MEASURE_NAMES[m], "area" if m == "floor_area" else "int") for m in MEASURES],
        [[GROUP_NAMES[g]] + [groups[g][m] for m in MEASURES] for g in GROUPS],
        chart=chart(
            "bar",
            [str(GROUP_NAMES[g]) for g in GROUPS],
            [(MEASURE_NAMES["neighbourhoods"], [groups[g]["neighbourhoods"] for g in GROUPS])],
        ),
    )


def _years_table(figures):
    by_year = figures["years"]
    return Table(
        "years",
        _("分年度计划与进度"),
        [
            (_("计划年度"), "text"),
            (_("计划小区(个)"), "int"),
            (_("计划户数(户)"), "int"),
            (_("计划建筑面积(m²)"), "area"),
            (_("开工小区(个)"), "int"),
            (_("开工户数(户)"), "int"),
            (_("完工小区(个)"), "int"),
            (_("完工户数(户)"), "int"),
            (_("开工率·小区(%)"), "rate"),
        ],
        [
            [
                str(row["year"]),
                row["groups"]["planned"]["neighbourhoods"],
                row["groups"]["planned"]["households"],
                row["groups"]["planned"]["floor_area"],
                row["groups"]["started"]["neighbourhoods"],
                row["groups"]["started"]["households"],
                row["groups"]["completed"]["neighbourhoods"],
                row["groups"]["completed"]["households"],
                row["rates"]["by_neighbourhoods"],
            ]
            for row in by_year
        ],
        chart=chart(
            "bar",
            [str(row["year"]) for row in by_year],
            [
                (GROUP_NAMES[group], [row["groups"][group]["neighbourhoods"] for row in by_year])
                for group in ("planned", "started", "completed")
            ],
        ),
    )


def _start_rate_table(figures):
    children = figures["children"]
    return Table(
        "start_rate",
        _("开工率（按下级单位）"),
        [
            (LEVEL_NAMES[figures["child_level"]], "text"),
            (_("计划小区(个)"), "int"),
            (_("开工小区(个)"), "int"),
            (_("开工率·小区(%)"), "rate"),
            (_("计划户数(户)"), "int"),
            (_("开工户数(户)"), "int"),
            (_("开工率·户数(%)"), "rate"),
            (_("完工小区(个)"), "int"),
        ],
        [
            [
                c["name"],
                c["groups"]["planned"]["neighbourhoods"],
                c["groups"]["started"]["neighbourhoods"],
                c["rates"]["by_neighbourhoods"],
                c["groups"]["planned"]["households"],
                c["groups"]["started"]["households"],
                c["rates"]["by_households"],
                c["groups"]["completed"]["neighbourhoods"],
            ]
            for c in children
        ],
        links=unit_links(children),
        chart=chart(
            "bar",
            [c["name"] for c in children],
            [
                (_("开工率·小区(%)"), [c["rates"]["by_neighbourhoods"] or 0 for c in children]),
                (_("开工率·户数(%)"), [c["rates"]["by_households"] or 0 for c in children]),
            ],
        ),
    )


def _investment_table(figures):
    money = figures["investment"]
    return Table(
        "investment",
        _("投资"),
        [(_("项目"), "text"), (_("金额(元)"), "money")],
        [[_("概算"), money["budget"]]]
        + [[_("已承诺：%(kind)s") % {"kind": row["name"]}, row["amount"]] for row in money["by_kind"]]
        + [
            [_("已承诺合计"), money["committed"]],
            [_("已拨付"), money["disbursed"]],
            [_("资金缺口"), money["gap"]],
        ],
        chart=chart(
            "pie",
            [str(row["name"]) for row in money["by_kind"]],
            [(_("已承诺"), [row["amount"] for row in money["by_kind"]])],
        ),
    )


def _projects_table(figures):
    rows = figures["projects"]
    return Table(
        "projects",
        _("项目"),
        project_columns((_("实际开工日期"), "text"), (_("实际完工日期"), "text")),
        [project_cells(r, r["started_on"], r["completed_on"]) for r in rows],
        links=project_links(rows),
    )


def _funnel_table(figures):
    funnel = figures["funnel"]
    return Table(
        "funnel",
        _("项目阶段"),
        [(_("阶段"), "text"), (_("项目(个)"), "int"), (_("平均停留(天)"), "days"), (_("最长停留(天)"), "days")],
        [[row["name"], row["projects"], row["average_days"], row["longest_days"]] for row in funnel],
        chart=chart("hbar", [str(row["name"]) for row in funnel], [(_("项目(个)"), [row["projects"] for row in funnel])]),
    )


def overview_tables(figures):
    """The overview's tables, in page order, each with the chart drawn from it: the start rates
    by child unit only where the unit has children, the project list only where it has projects."""
    tables = [_progress_table(figures), _years_table(figures)]
    if figures["child_level"]:
        tables.append(_start_rate_table(figures))
    tables.append(_investment_table(figures))
    if figures["projects"]:
        tables.append(_projects_table(figures))
    tables.append(_funnel_table(figures))
    return tables
