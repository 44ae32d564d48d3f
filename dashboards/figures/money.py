"""The money and management page's figures: where the money comes from, which projects still
lack it, how the neighbourhoods are managed, how they are assessed and what their subsidies paid.

Definitions (docs/architecture.md, "Dashboards"), for the unit's neighbourhoods the actor sees:
- funding by source kind and year: commitments live at the as-of date (not reversed by then),
  dated by then, to the projects of each of the five plan years up to the chosen one that touch
  the unit (not cancelled by then), by the commitment's source kind and the project's plan year;
- the projects with a gap: the plan year's projects whose budget exceeds what is committed to them
  at the as-of date (as the overview's gap), the largest gap first;
- management coverage: each neighbourhood by the mode of the arrangement covering the as-of date
  (started by then, not ended before it); unmanaged (失管) when none covers it or its mode is
  "none" (governance's NeighbourhoodQuerySet.unmanaged, the one definition);
- assessment scores by band: for each plan year, the latest assessment of that year recorded by
  the as-of date of each neighbourhood, by score band;
- subsidies by the year an installment fell due (by the as-of date) and payer: due at the standard
  (area × the year's rate × the payer's share, before the score), paid (payments made by then)
  and withheld (installments withheld now: an installment keeps no history of its states).

A fixed number of queries whatever the size of the data (tests/dashboards/test_money_page.py).
"""

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext_lazy as _

from funding.choices import InstallmentStatus, SourceKind
from funding.models import Commitment, SubsidyPayer, SubsidyPayment
from governance.models import Assessment, ManagementArrangement, ManagementMode
from governance.querysets import managed_on
from governance.money import money
from projects.models import Project

from .consultation import name_lookup
from .tables import Table, chart, project_cells, project_columns, project_links, unit_links
from .units import (
    CHILD_LEVEL,
    LEVEL_NAMES,
    NEIGHBOURHOOD,
    NEIGHBOURHOOD_LOOKUP,
    ZERO,
    live_at,
    plan_projects,
    plan_years,
    rate,
    scoped_neighbourhoods,
    unit_projects,
)

MONEY = DecimalField(max_digits=18, decimal_places=2)
MODES = tuple(m.value for m in (ManagementMode.PROFESSIONAL, ManagementMode.SELF_MANAGED, ManagementMode.FALLBACK))
# Score bands, highest first: (lowest score of the band, its name). 80 and 70 are the default
# subsidy bands' edges (funding.choices.DEFAULT_SCORE_BANDS).
BANDS = (
    (Decimal(90), _("90分及以上")),
    (Decimal(80), _("80～90分")),
    (Decimal(70), _("70～80分")),
    (Decimal(60), _("60～70分")),
    (Decimal(0), _("60分以下")),
)


def _touching(neighbourhoods):
    """The ids of the projects of `neighbourhoods`, as a subquery."""
    return Project.neighbourhoods.through.objects.filter(neighbourhood__in=neighbourhoods.values("pk")).values(
        "project_id"
    )


def _commitments(period):
    return Commitment.objects.filter(live_at(period), committed_on__lte=period.as_of)


def funding_by_kind_and_year(neighbourhoods, period):
    """{(source kind, plan year): committed} for the plan years shown. One query."""
    projects = plan_projects(period, years=plan_years(period)).filter(pk__in=_touching(neighbourhoods))
    rows = (
        _commitments(period)
        .filter(project__in=projects.values("pk"))
        .order_by()
        .values("source__kind", "project__year")
        .annotate(total=Sum("amount"))
    )
    return {(row["source__kind"], row["project__year"]): row["total"] for row in rows}


def gap_projects(neighbourhoods, period, limit):
    """The plan year's projects of the unit whose budget exceeds their commitments at the as-of
    date, the largest gap first (at most `limit`; None: all), with how many there are and their
    gaps' sum. One query (a row per project with a gap: a plan year's projects of one unit)."""
    per_project = _commitments(period).filter(project=OuterRef("pk")).order_by().values("project")
    committed = Coalesce(Subquery(per_project.annotate(t=Sum("amount")).values("t")), ZERO, output_field=MONEY)
    rows = list(
        Project.objects.filter(pk__in=unit_projects(neighbourhoods, period).values("pk"))
        .annotate(committed=committed)
        .annotate(gap=F("budget") - F("committed"))
        .filter(gap__gt=0)
        .order_by("-gap", "code")
        .values("pk", "code", "name", "stage", "budget", "committed", "gap")
    )
    total = sum((row["gap"] for row in rows), ZERO)
    return {"projects": len(rows), "gap": total, "rows": rows if limit is None else rows[:limit]}


def management_coverage(neighbourhoods, period, key):
    """Per row key: the row's name (`row_name`), the neighbourhoods by the mode of the arrangement
    covering the as-of date, and the unmanaged ones (governance's managed_on, the definition
    NeighbourhoodQuerySet.unmanaged uses). One query."""
    on = period.as_of
    covering = (
        ManagementArrangement.objects.filter(neighbourhood=OuterRef("pk"), started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .exclude(mode=ManagementMode.NONE)
        .order_by("-started_on", "-pk")
    )
    counts = {mode: Count("pk", filter=Q(mode_then=mode)) for mode in MODES}
    rows = (
        neighbourhoods.annotate(managed=managed_on(on), mode_then=Subquery(covering.values("mode")[:1]))
        .order_by()
        .values(key, row_name=F(name_lookup(key)))
        .annotate(neighbourhoods=Count("pk"), unmanaged=Count("pk", filter=Q(managed=False)), **counts)
    )
    return {row[key]: row for row in rows}


def unmanaged_neighbourhoods(neighbourhoods, period, limit):
    """The unit's unmanaged neighbourhoods on the as-of date (governance's definition), by street,
    community and name, with their households (the neighbourhood's stored total, governance.totals)
    (at most `limit`; None: all). One query."""
    rows = (
        neighbourhoods.unmanaged(period.as_of)
        .annotate(n_households=F("household_count"))
        .order_by("community__street__name", "community__name", "name", "pk")
        .values("pk", "name", "community__name", "community__street__name", "built_year", "n_households")
    )
    return list(rows if limit is None else rows[:limit])


def _band():
    """The index in BANDS of the outer assessment's score."""
    whens = [When(score__gte=low, then=Value(i)) for i, (low, _name) in enumerate(BANDS[:-1])]
    return Case(*whens, default=Value(len(BANDS) - 1), output_field=IntegerField())


def assessment_bands(neighbourhoods, period):
    """{(plan year, band index): neighbourhoods} for the plan years shown: each neighbourhood's
    latest assessment of the year recorded by the as-of date. One query."""
    end = period.as_of_end
    recorded = Assessment.objects.filter(created_at__lt=end)
    newer = recorded.filter(
        arrangement__neighbourhood=OuterRef("arrangement__neighbourhood"), year=OuterRef("year"), pk__gt=OuterRef("pk")
    )
    rows = (
        recorded.filter(arrangement__neighbourhood__in=neighbourhoods.values("pk"), year__in=plan_years(period))
        .exclude(Exists(newer))
        .annotate(band=_band())
        .order_by()
        .values("year", "band")
        .annotate(n=Count("pk"))
    )
    return {(row["year"], row["band"]): row["n"] for row in rows}


def subsidies(neighbourhoods, period):
    """[{year, payer, installments, due, paid, withheld}] by the year installments fell due (by the
    as-of date) and payer, in that order. Two queries."""
    plans = {"plan__neighbourhood__in": neighbourhoods.values("pk")}
    standard = F("plan__area") * F("plan__installments__rate") * F("share") / Value(Decimal(100))
    withheld = Q(plan__installments__status=InstallmentStatus.WITHHELD)
    rows = (
        SubsidyPayer.objects.filter(**plans, plan__installments__due_on__lte=period.as_of)
        .order_by()
        .values(year=ExtractYear("plan__installments__due_on"), payer=F("payer_name"))
        .annotate(
            installments=Count("plan__installments"),
            due=Coalesce(Sum(standard, output_field=MONEY), ZERO, output_field=MONEY),
            withheld=Coalesce(Sum(standard, filter=withheld, output_field=MONEY), ZERO, output_field=MONEY),
        )
    )
    paid = (
        SubsidyPayment.objects.filter(
            installment__plan__neighbourhood__in=neighbourhoods.values("pk"),
            installment__due_on__lte=period.as_of,
            paid_at__lt=period.as_of_end,
        )
        .order_by()
        .values(year=ExtractYear("installment__due_on"), payer_of=F("payer__payer_name"))
        .annotate(total=Sum("amount"))
    )
    table = {(r["year"], r["payer"]): {**r, "due": money(r["due"]), "withheld": money(r["withheld"]), "paid": ZERO} for r in rows}
    for r in paid:
        key = (r["year"], r["payer_of"])
        table.setdefault(key, {"year": key[0], "payer": key[1], "installments": 0, "due": ZERO, "withheld": ZERO})
        table[key]["paid"] = money(r["total"])
    return [table[key] for key in sorted(table)]


# ---- the page ---------------------------------------------------------------------------------


def _rows_key(unit):
    level = CHILD_LEVEL.get(unit.level, NEIGHBOURHOOD)
    return level, NEIGHBOURHOOD_LOOKUP[level]


def _coverage_rows(neighbourhoods, period, unit):
    level, key = _rows_key(unit)
    counts = management_coverage(neighbourhoods, period, key)
    rows = [{"level": level, "pk": pk, "name": row["row_name"], **row} for pk, row in counts.items()]
    rows.sort(key=lambda row: row["name"])
    total = {name: sum(row[name] for row in rows) for name in ("neighbourhoods", "unmanaged", *MODES)}
    return level, rows, total


def money_page(actor, unit, period, limit=None):
    """Every figure of the money and management page of `unit`: a fixed number of queries (see
    the module's docstring). `limit`: the longest list shown (None: all)."""
    neighbourhoods = scoped_neighbourhoods(actor, unit)
    level, coverage, total = _coverage_rows(neighbourhoods, period, unit)
    total["managed_rate"] = rate(total["neighbourhoods"] - total["unmanaged"], total["neighbourhoods"])
    subsidy_rows = subsidies(neighbourhoods, period)
    return {
        "years": plan_years(period),
        "funding": funding_by_kind_and_year(neighbourhoods, period),
        "gaps": gap_projects(neighbourhoods, period, limit),
        "rows_level": level,
        "coverage": coverage,
        "coverage_total": total,
        "unmanaged": unmanaged_neighbourhoods(neighbourhoods, period, limit),
        "bands": assessment_bands(neighbourhoods, period),
        "subsidies": subsidy_rows,
        "subsidies_paid": sum((row["paid"] for row in subsidy_rows), ZERO),
    }


# ---- tables -----------------------------------------------------------------------------------


def _funding_table(figures):
    years, funding = figures["years"], figures["funding"]
    kinds = [kind for kind in SourceKind.values if any((kind, year) in funding for year in years)]
    rows = []
    for kind in kinds:
        amounts = [funding.get((kind, year), ZERO) for year in years]
        rows.append([SourceKind(kind).label, *amounts, sum(amounts, ZERO)])
    totals = [sum((funding.get((kind, year), ZERO) for kind in kinds), ZERO) for year in years]
    rows.append([_("合计"), *totals, sum(totals, ZERO)])
    return Table(
        "funding",
        _("资金来源（按类别和计划年度）"),
        [(_("资金类别"), "text")] + [(_("%(year)d年度(元)") % {"year": year}, "money") for year in years]
        + [(_("合计(元)"), "money")],
        rows,
        note=_("已承诺、未冲销的资金，按项目的计划年度。"),
        chart=chart(
            "bar",
            [str(year) for year in years],
            [(SourceKind(kind).label, [funding.get((kind, year), ZERO) for year in years]) for kind in kinds],
        ),
    )


def _gaps_table(figures):
    gaps = figures["gaps"]
    rows = gaps["rows"]
    return Table(
        "gaps",
        _("资金缺口项目"),
        project_columns((_("已承诺(元)"), "money"), (_("缺口(元)"), "money")),
        [project_cells(r, r["committed"], r["gap"]) for r in rows],
        links=project_links(rows),
        note=_("共 %(n)d 个项目，缺口合计 %(gap)s 元；按缺口从大到小。") % {"n": gaps["projects"], "gap": gaps["gap"]},
        chart=chart("hbar", [r["code"] for r in rows[:15]], [(_("缺口(元)"), [r["gap"] for r in rows[:15]])]),
    )


def _coverage_table(figures):
    rows, total = figures["coverage"], figures["coverage_total"]
    columns = [(LEVEL_NAMES[figures["rows_level"]], "text"), (_("小区(个)"), "int")]
    columns += [(ManagementMode(mode).label, "int") for mode in MODES]
    columns += [(_("无人管理(个)"), "int"), (_("覆盖率(%)"), "rate")]
    return Table(
        "management",
        _("长效管理覆盖"),
        columns,
        [
            [r["name"], r["neighbourhoods"], *[r[mode] for mode in MODES], r["unmanaged"],
             rate(r["neighbourhoods"] - r["unmanaged"], r["neighbourhoods"])]
            for r in rows
        ],
        links=unit_links(rows),
        chart=chart(
            "pie",
            [str(ManagementMode(mode).label) for mode in MODES] + [str(_("无人管理"))],
            [(_("小区(个)"), [total[mode] for mode in MODES] + [total["unmanaged"]])],
        ),
    )


def _unmanaged_table(figures):
    rows = figures["unmanaged"]
    return Table(
        "unmanaged",
        _("无人管理的小区"),
        [(_("小区"), "text"), (_("社区"), "text"), (_("街道"), "text"), (_("建成年份"), "text"), (_("户数(户)"), "int")],
        [[r["name"], r["community__name"], r["community__street__name"], str(r["built_year"]), r["n_households"]] for r in rows],
        links=[(NEIGHBOURHOOD, r["pk"]) for r in rows],
        note=_("共 %(n)d 个：截至日没有现行的长效管理安排，或其管理方式为“无人管理”。") % {
            "n": figures["coverage_total"]["unmanaged"]
        },
    )


def _bands_table(figures):
    years, bands = figures["years"], figures["bands"]
    return Table(
        "assessments",
        _("考核得分分布"),
        [(_("得分档次"), "text")] + [(_("%(year)d年度(个)") % {"year": year}, "int") for year in years],
        [[name, *[bands.get((year, i), 0) for year in years]] for i, (_low, name) in enumerate(BANDS)],
        note=_("每个小区取该年度最近登记的一次考核。"),
        chart=chart(
            "bar",
            [str(name) for _low, name in BANDS],
            [(year, [bands.get((year, i), 0) for i in range(len(BANDS))]) for year in years],
        ),
    )


def _subsidies_table(figures):
    rows = figures["subsidies"]
    years = sorted({r["year"] for r in rows})
    return Table(
        "subsidies",
        _("物业补贴（按到期年度和出资方）"),
        [
            (_("到期年度"), "text"),
            (_("出资方"), "text"),
            (_("到期款项(笔)"), "int"),
            (_("应发(按标准，元)"), "money"),
            (_("已发放(元)"), "money"),
            (_("暂缓发放(按标准，元)"), "money"),
        ],
        [[str(r["year"]), r["payer"], r["installments"], r["due"], r["paid"], r["withheld"]] for r in rows],
        chart=chart(
            "bar",
            [str(year) for year in years],
            [
                (name, [sum((r[field] for r in rows if r["year"] == year), ZERO) for year in years])
                for field, name in (("due", _("应发")), ("paid", _("已发放")), ("withheld", _("暂缓发放")))
            ],
        ),
    )


def money_tables(figures):
    """The money and management page's tables, in page order."""
    return [
        _funding_table(figures),
        _gaps_table(figures),
        _coverage_table(figures),
        _unmanaged_table(figures),
        _bands_table(figures),
        _subsidies_table(figures),
    ]
