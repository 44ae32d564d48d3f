"""The overview's figures: what a unit of the territory (the city, a district, a street, a
community, a neighbourhood) stands at, for a plan year and as of the end of a month.

Read-only: everything is read through the lower apps' models, querysets and the scoping function;
nothing is written. Every figure comes from aggregate queries, a fixed number per page whatever
the size of the data (tests/dashboards/test_pages_figures.py pins it).

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

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funding.choices import SourceKind
from funding.models import Commitment, Disbursement
from governance.choices import EligibilityStatus
from projects.choices import Stage
from projects.models import Project, ProjectTransition
from projects.selectors import MAIN_LINE

from .tables import Table
from .units import (
    CHILD_LEVEL,
    LEVEL_NAMES,
    NEIGHBOURHOOD,
    NEIGHBOURHOOD_LOOKUP,
    PROJECT,
    ZERO,
    child_units,
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


def neighbourhood_figures(neighbourhoods, period, child_key):
    """One query: for each child unit (`child_key`, the neighbourhood's lookup of the child level)
    and each plan year of `plan_years(period)`, the four groups' neighbourhoods, buildings,
    households and floor area. Returns {child_id: {year: {group: {measure: value}}}} (eligibility
    does not depend on the year: the same in every year)."""
    # Buildings, households and floor area are the neighbourhood's stored totals, kept equal to a
    # recount by the services that write those rows (governance.services.recount_neighbourhood_totals,
    # `manage.py recount_totals --check`): counting them here repeated three correlated subqueries
    # inside each of the query's filtered sums.
    annotations = {}
    conditions = {"eligible": ~Q(eligibility=EligibilityStatus.INELIGIBLE)}
    for year in plan_years(period):
        plan = plan_projects(period, year).filter(neighbourhoods=OuterRef("pk"))
        annotations[f"planned_{year}"] = Exists(plan)
        annotations[f"started_{year}"] = Exists(plan.filter(started_on__lte=period.as_of))
        annotations[f"completed_{year}"] = Exists(plan.filter(completed_on__lte=period.as_of))
        for group in ("planned", "started", "completed"):
            conditions[f"{group}_{year}"] = Q(**{f"{group}_{year}": True})
    aggregates = {}
    for key, condition in conditions.items():
        aggregates[f"{key}__neighbourhoods"] = Count("pk", filter=condition)
        aggregates[f"{key}__buildings"] = Coalesce(Sum("building_count", filter=condition), 0)
        aggregates[f"{key}__households"] = Coalesce(Sum("household_count", filter=condition), 0)
        aggregates[f"{key}__floor_area"] = Coalesce(
            Sum("floor_area_total", filter=condition), ZERO, output_field=DecimalField()
        )
    rows = (
        neighbourhoods.annotate_eligibility()
        .annotate(**annotations)
        .order_by()
        .values(child_key)
        .annotate(**aggregates)
    )
    result = {}
    for row in rows:
        by_year = {}
        for year in plan_years(period):
            figures = {}
            for group in GROUPS:
                key = "eligible" if group == "eligible" else f"{group}_{year}"
                figures[group] = {m: row[f"{key}__{m}"] for m in MEASURES}
            by_year[year] = figures
        result[row[child_key]] = by_year
    return result


def empty_groups():
    return {
        group: {m: (ZERO if m == "floor_area" else 0) for m in MEASURES} for group in GROUPS
    }


def add_groups(total, figures):
    for group in GROUPS:
        for measure in MEASURES:
            total[group][measure] += figures[group][measure]
    return total

def start_rates(groups):
    return {
        "by_neighbourhoods": rate(groups["started"]["neighbourhoods"], groups["planned"]["neighbourhoods"]),
        "by_households": rate(groups["started"]["households"], groups["planned"]["households"]),
    }


def compute_investment(projects, period):
    """Budget, committed by source kind, disbursed and gap of `projects` (distinct projects of the
    unit). Three queries."""
    commitments = Commitment.objects.filter(
        live_at(period), committed_on__lte=period.as_of, project__in=projects.values("pk")
    )
    per_project = commitments.filter(project=OuterRef("pk")).order_by().values("project")
    covered = Coalesce(
        Subquery(per_project.annotate(t=Sum("amount")).values("t")), ZERO, output_field=DecimalField()
    )
    shortfall = Greatest(
        Coalesce("budget", ZERO, output_field=DecimalField()) - covered,
        Value(ZERO, output_field=DecimalField()),
        output_field=DecimalField(),
    )
    totals = (
        Project.objects.filter(pk__in=projects.values("pk"))
        .annotate(shortfall=shortfall)
        .aggregate(
            budget=Coalesce(Sum("budget"), ZERO, output_field=DecimalField()),
            gap=Coalesce(Sum("shortfall"), ZERO, output_field=DecimalField()),
            projects=Count("pk"),
        )
    )
    by_kind = {
        row["source__kind"]: row["total"]
        for row in commitments.order_by().values("source__kind").annotate(total=Sum("amount"))
    }
    disbursed = Disbursement.objects.filter(
        live_at(period),
        paid_on__lte=period.as_of,
        commitment__in=commitments.values("pk"),
    ).aggregate(total=Coalesce(Sum("amount"), ZERO, output_field=DecimalField()))["total"]
    committed = sum(by_kind.values(), ZERO)
    return {
        "projects": totals["projects"],
        "budget": totals["budget"],
        "committed": committed,
        "by_kind": [
            {"kind": kind, "name": SourceKind(kind).label, "amount": by_kind[kind]}
            for kind in SourceKind.values
            if kind in by_kind
        ],
        "disbursed": disbursed,
        "gap": totals["gap"],
    }


def stage_funnel(projects, period):
    """The projects by their stage at the as-of date, with the days they have been in it (average
    and longest). One query (one row per project: the stage and when it was entered)."""
    last_move = ProjectTransition.objects.filter(project=OuterRef("pk"), at__lt=period.as_of_end).order_by(
        "-at", "-id"
    )
    rows = (
        Project.objects.filter(pk__in=projects.values("pk"))
        .annotate(
            stage_then=Subquery(last_move.values("to_stage")[:1]),
            since=Subquery(last_move.values("at")[:1]),
        )
        .values_list("stage_then", "since", "created_at")
    )
    counts = {stage: [] for stage in FUNNEL_STAGES}
    for stage_then, since, created_at in rows:
        stage = stage_then or Stage.CANDIDATE
        entered = timezone.localdate(since or created_at)
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

def overview(actor, unit, period):
    """Every figure of the overview of `unit`: a fixed number of queries (6 at a level with child
    units, whatever the size of the data)."""
    neighbourhoods = scoped_neighbourhoods(actor, unit)
    child_level = CHILD_LEVEL.get(unit.level)
    child_key = NEIGHBOURHOOD_LOOKUP[child_level] if child_level else "pk"
    per_child_years = neighbourhood_figures(neighbourhoods, period, child_key)
    years = {year: empty_groups() for year in plan_years(period)}
    for by_year in per_child_years.values():
        for year, figures in by_year.items():
            add_groups(years[year], figures)
    groups = years[period.year]
    per_child = {pk: by_year[period.year] for pk, by_year in per_child_years.items()}
    children = []
    if child_level:
        _, rows = child_units(unit, per_child)
        for pk, figures in per_child.items():
            obj = rows.get(pk)
            if obj is None:
                continue
            children.append(
                {"level": child_level, "pk": pk, "name": obj.name, "groups": figures, "rates": start_rates(figures)}
            )
        children.sort(key=lambda c: c["name"])
    projects = unit_projects(neighbourhoods, period)
    project_rows = []
    if unit.level == NEIGHBOURHOOD:
        project_rows = list(projects.order_by("code").values("pk", "code", "name", "stage", "budget", "started_on", "completed_on"))
    return {
        "projects": project_rows,
        "groups": groups,
        "rates": start_rates(groups),
        "years": [{"year": year, "groups": years[year], "rates": start_rates(years[year])} for year in years],
        "child_level": child_level,
        "children": children,
        "investment": compute_investment(projects, period),
        "funnel": stage_funnel(projects, period),
    }

# ---- tables: what the page shows, the charts draw and the exports write ----------------------


def overview_tables(figures):
    """The overview's tables, in page order, each with the chart drawn from it."""
    groups = figures["groups"]
    tables = [
        Table(
            "progress",
            _("改造进度"),
            [(_("类别"), "text")] + [(MEASURE_NAMES[m], "area" if m == "floor_area" else "int") for m in MEASURES],
            [[GROUP_NAMES[g]] + [groups[g][m] for m in MEASURES] for g in GROUPS],
        )
    ]
    tables[0].chart = {
        "type": "bar",
        "categories": [str(GROUP_NAMES[g]) for g in GROUPS],
        "series": [
            {"name": str(MEASURE_NAMES["neighbourhoods"]), "data": [groups[g]["neighbourhoods"] for g in GROUPS]},
        ],
    }
    by_year = figures["years"]
    year_table = Table(
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
    )
    year_table.chart = {
        "type": "bar",
        "categories": [str(row["year"]) for row in by_year],
        "series": [
            {"name": str(GROUP_NAMES[group]), "data": [row["groups"][group]["neighbourhoods"] for row in by_year]}
            for group in ("planned", "started", "completed")
        ],
    }
    tables.append(year_table)
    children = figures["children"]
    if figures["child_level"]:
        level_name = LEVEL_NAMES[figures["child_level"]]
        rate_table = Table(
            "start_rate",
            _("开工率（按下级单位）"),
            [
                (level_name, "text"),
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
        )
        rate_table.links = [(c["level"], c["pk"]) for c in children]
        rate_table.chart = {
            "type": "bar",
            "categories": [c["name"] for c in children],
            "series": [
                {"name": str(_("开工率·小区(%)")), "data": [c["rates"]["by_neighbourhoods"] or 0 for c in children]},
                {"name": str(_("开工率·户数(%)")), "data": [c["rates"]["by_households"] or 0 for c in children]},
            ],
        }
        tables.append(rate_table)
    money = figures["investment"]
    invest = Table(
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
    )
    invest.chart = {
        "type": "pie",
        "categories": [str(row["name"]) for row in money["by_kind"]],
        "series": [{"name": str(_("已承诺")), "data": [row["amount"] for row in money["by_kind"]]}],
    }
    tables.append(invest)
    if figures["projects"]:
        rows = figures["projects"]
        listing = Table(
            "projects",
            _("项目"),
            [
                (_("项目编号"), "text"),
                (_("项目名称"), "text"),
                (_("阶段"), "text"),
                (_("概算(元)"), "money"),
                (_("实际开工日期"), "text"),
                (_("实际完工日期"), "text"),
            ],
            [
                [r["code"], r["name"], Stage(r["stage"]).label, r["budget"], r["started_on"], r["completed_on"]]
                for r in rows
            ],
        )
        listing.links = [(PROJECT, r["pk"]) for r in rows]
        tables.append(listing)
    funnel = Table(
        "funnel",
        _("项目阶段"),
        [(_("阶段"), "text"), (_("项目(个)"), "int"), (_("平均停留(天)"), "days"), (_("最长停留(天)"), "days")],
        [[row["name"], row["projects"], row["average_days"], row["longest_days"]] for row in figures["funnel"]],
    )
    funnel.chart = {
        "type": "hbar",
        "categories": [str(row["name"]) for row in figures["funnel"]],
        "series": [{"name": str(_("项目(个)")), "data": [row["projects"] for row in figures["funnel"]]}],
    }
    tables.append(funnel)
    return tables
