"""The monthly report (月报): one Excel workbook for a month and a territory, in a fixed layout
after the national statistical survey of the renovation: the year's plan, the progress, the
money, the works done (effects) and each project's basic facts.

Layout (sheet names and headers are fixed, in Chinese):
- 说明: the title, the territory, the month, the plan year and the reading rules below;
- 区汇总, 街道汇总, 小区汇总: one row per district / street / neighbourhood of the territory (only
  the levels at or below the territory's root), then a total row (合计) that is the sum of the rows
  above it (rates recomputed from the summed counts);
- 项目基本情况: one row per project, then a total row.
Each of these sheets has the title in row 1, the headers in row 2, the data from row 3.

What counts (the plan year is the month's calendar year):
- the projects of the plan year on record before the month's end (Asia/Shanghai), without those
  cancelled by then; each counts once, under its home neighbourhood (dashboards.works);
- a project's stage is the one its recorded transitions give at the month's end; it started
  (开工) when it had moved into construction by then, and completed (完工) when it had moved into
  acceptance; the households are those registered by then;
- progress, investment to date and the works done come from its latest monthly report dated up to
  the month (dashboards.works: the same latest report, the same sums);
- committed and disbursed money are the rows dated before the month's end and on record by then,
  net of the reversals on record by then; the gap of a project is what its commitments lack of its
  budget (never negative), and a unit's gap is the sum of its projects' gaps.
A report of a past month reads nothing dated or recorded after that month: generated again after
later reports, stages and money came in, it is the same, cell for cell.

Queries: the root (one when it is not the city), the neighbourhoods, the projects with their
figures, the latest reports. Four at most, whatever the size.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.selectors import committed_as_of, disbursed_as_of
from governance.exports import sheets_xlsx
from governance.scoping import scope
from projects.choices import Stage
from projects.models import Project
from projects.selectors import (
    latest_progress_reports,
    project_home_neighbourhood,
    reached_as_of,
    stage_as_of,
)

from .works import (
    CITY,
    COMMUNITY,
    DISTRICT,
    LEVELS,
    NEIGHBOURHOOD,
    QUANTITY_FIELDS,
    STREET,
    add_up,
    quantity_columns,
    resolve_root,
    territory_neighbourhoods,
    unit_tree,
    zero,
)

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # the plan years a project may have

# The figures of a unit row, in column order: (name, header). Quantities follow.
UNIT_FIGURES = [
    ("plan_projects", gettext_lazy("计划项目数(个)")),
    ("plan_neighbourhoods", gettext_lazy("计划改造小区数(个)")),
    ("plan_buildings", gettext_lazy("计划改造楼栋数(栋)")),
    ("plan_households", gettext_lazy("计划改造户数(户)")),
    ("plan_floor_area", gettext_lazy("计划改造建筑面积(平方米)")),
    ("started_neighbourhoods", gettext_lazy("已开工小区数(个)")),
    ("started_households", gettext_lazy("已开工户数(户)")),
    ("start_rate_neighbourhoods", gettext_lazy("开工率(按小区,%)")),
    ("start_rate_households", gettext_lazy("开工率(按户,%)")),
    ("completed_neighbourhoods", gettext_lazy("已完工小区数(个)")),
    ("completed_households", gettext_lazy("已完工户数(户)")),
    ("budget", gettext_lazy("概算总投资(元)")),
    ("investment_to_date", gettext_lazy("累计完成投资(元)")),
    ("committed", gettext_lazy("已落实资金(元)")),
    ("disbursed", gettext_lazy("已拨付资金(元)")),
    ("gap", gettext_lazy("资金缺口(元)")),
]
RATES = {
    "start_rate_neighbourhoods": ("started_neighbourhoods", "plan_neighbourhoods"),
    "start_rate_households": ("started_households", "plan_households"),
}
SUMMED = [name for name, _label in UNIT_FIGURES if name not in RATES]
DECIMALS = {"plan_floor_area", "budget", "investment_to_date", "committed", "disbursed", "gap"}

SHEET_TITLES = {
    DISTRICT: gettext_lazy("区汇总"),
    STREET: gettext_lazy("街道汇总"),
    NEIGHBOURHOOD: gettext_lazy("小区汇总"),
}
# The ancestors named on each unit sheet's rows, before the unit's own name.
SHEET_ANCESTORS = {DISTRICT: (), STREET: (DISTRICT,), NEIGHBOURHOOD: (DISTRICT, STREET, COMMUNITY)}
LEVEL_HEADERS = {
    DISTRICT: gettext_lazy("区"),
    STREET: gettext_lazy("街道"),
    COMMUNITY: gettext_lazy("社区"),
    NEIGHBOURHOOD: gettext_lazy("小区"),
}


def parse_month(text):
    """The first day of the month written YYYY-MM; ValueError naming the field otherwise."""
    match = MONTH_PATTERN.match(text or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if EARLIEST_YEAR <= year <= LATEST_YEAR and 1 <= month <= 12:
            return datetime.date(year, month, 1)
    raise ValueError(_("月份须写作YYYY-MM（%(first)s年至%(last)s年），现为“%(value)s”。")
                     % {"first": EARLIEST_YEAR, "last": LATEST_YEAR, "value": str(text)[:20]})


def month_end(month):
    """The first day after `month` and the aware moment it begins (Asia/Shanghai)."""
    day = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return day, timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _rate(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _zero(name):
    return Decimal("0") if name in DECIMALS else zero(name)


@dataclass
class ProjectRow:
    project: Project
    home: object  # the home neighbourhood's Unit
    figures: dict


@dataclass
class MonthlyReport:
    month: datetime.date
    year: int
    root: object
    tree: object
    projects: list  # ProjectRow, in the tree's order

    @property
    def filename(self):
        return f"{_('月报')}_{self.root.name}_{self.month:%Y-%m}.xlsx"


def monthly_report(actor, month, *, level=CITY, pk=None, root=None):
    """The figures of the monthly report of `month` (its first day) over the territory root
    (level, pk) as `actor` sees it; Http404 when the actor may not see the root."""
    root = root or resolve_root(actor, level, pk)
    tree = unit_tree(actor, root)
    day, moment = month_end(month)
    year = month.year
    projects = (
        scope(Project.objects.filter(year=year, created_at__lt=moment), actor)
        .annotate(stage_then=stage_as_of(moment), home=project_home_neighbourhood())
        .exclude(stage_then=Stage.CANCELLED)
        .filter(home__in=territory_neighbourhoods(actor, root).values("pk"))
    )
    rows = list(
        projects.annotate_coverage(households_before=moment)
        .annotate(
            neighbourhood_count=_neighbourhood_count(),
            started=reached_as_of(Stage.CONSTRUCTION, moment),
            completed=reached_as_of(Stage.ACCEPTANCE, moment),
            committed=committed_as_of(day, moment),
            disbursed=disbursed_as_of(day, moment),
        )
        .order_by("code")
    )
    reports = {
        r["project_id"]: r
        for r in latest_progress_reports(month, projects)
        .order_by()
        .values("project_id", "percent_complete", "investment_to_date", *QUANTITY_FIELDS)
    }
    for unit in tree.level(NEIGHBOURHOOD):
        unit.figures.update({name: _zero(name) for name in (*SUMMED, *QUANTITY_FIELDS)})
    project_rows = []
    for project in rows:
        home = tree.get(NEIGHBOURHOOD, project.home)
        figures = _project_figures(project, reports.get(project.pk))
        for name in (*SUMMED, *QUANTITY_FIELDS):
            home.figures[name] += figures[name]
        project_rows.append(ProjectRow(project, home, figures))
    add_up(tree, (*SUMMED, *QUANTITY_FIELDS))
    for unit in tree.units.values():
        for name, (part, whole) in RATES.items():
            unit.figures[name] = _rate(unit.figures[part], unit.figures[whole])
    order = {unit.pk: i for i, unit in enumerate(tree.level(NEIGHBOURHOOD))}
    project_rows.sort(key=lambda row: (order[row.home.pk], row.project.code))
    return MonthlyReport(month, year, root, tree, project_rows)


def _neighbourhood_count():
    through = Project.neighbourhoods.through
    counted = (
        through.objects.filter(project_id=OuterRef("pk"))
        .order_by()
        .values("project_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _project_figures(project, report):
    neighbourhoods, households = project.neighbourhood_count, project.household_count
    figures = {
        "plan_projects": 1,
        "plan_neighbourhoods": neighbourhoods,
        "plan_buildings": project.building_count,
        "plan_households": households,
        "plan_floor_area": project.floor_area_total,
        "started_neighbourhoods": neighbourhoods if project.started else 0,
        "started_households": households if project.started else 0,
        "completed_neighbourhoods": neighbourhoods if project.completed else 0,
        "completed_households": households if project.completed else 0,
        "budget": project.budget,
        "investment_to_date": report["investment_to_date"] if report else Decimal("0"),
        "committed": project.committed,
        "disbursed": project.disbursed,
        "gap": max(project.budget - project.committed, Decimal("0")),
        "percent_complete": report["percent_complete"] if report else None,
    }
    for name in QUANTITY_FIELDS:
        figures[name] = report[name] if report else zero(name)
    for name, (part, whole) in RATES.items():
        figures[name] = _rate(figures[part], figures[whole])
    return figures


# ---- the workbook ------------------------------------------------------------------------------


def _title(report, what):
    return _("%(territory)s城镇老旧小区改造月报（%(month)s）%(what)s") % {
        "territory": report.root.name,
        "month": f"{report.month:%Y-%m}",
        "what": what,
    }


def _unit_sheet(report, level):
    ancestors = [a for a in SHEET_ANCESTORS[level] if LEVELS.index(a) > LEVELS.index(report.root.level)]
    headers = [
        _("序号"),
        *[LEVEL_HEADERS[a] for a in ancestors],
        LEVEL_HEADERS[level],
        *[label for _name, label in UNIT_FIGURES],
        *[label for _name, label in quantity_columns()],
    ]
    rows = [[_title(report, SHEET_TITLES[level])], headers]
    for i, unit in enumerate(report.tree.level(level), start=1):
        names = {u.level: u.name for u in unit.ancestors()}
        rows.append(
            [
                i,
                *[names.get(a, "") for a in ancestors],
                unit.name,
                *[unit.figures[name] for name, _label in UNIT_FIGURES],
                *[unit.figures[name] for name in QUANTITY_FIELDS],
            ]
        )
    total = report.tree.root.figures
    rows.append(
        [
            _("合计"),
            *["" for _a in ancestors],
            "",
            *[total[name] for name, _label in UNIT_FIGURES],
            *[total[name] for name in QUANTITY_FIELDS],
        ]
    )
    return SHEET_TITLES[level], rows


PROJECT_FACTS = [
    ("budget", gettext_lazy("概算总投资(元)")),
    ("investment_to_date", gettext_lazy("累计完成投资(元)")),
    ("committed", gettext_lazy("已落实资金(元)")),
    ("disbursed", gettext_lazy("已拨付资金(元)")),
    ("gap", gettext_lazy("资金缺口(元)")),
]


def _project_headers():
    return [
        _("序号"),
        _("项目编号"),
        _("项目名称"),
        _("区"),
        _("街道"),
        _("社区"),
        _("小区"),
        _("年度批次"),
        _("月末阶段"),
        _("实际开工日期"),
        _("实际完工日期"),
        _("形象进度(%)"),
        _("涉及小区数(个)"),
        _("楼栋数(栋)"),
        _("户数(户)"),
        _("建筑面积(平方米)"),
        *[label for _name, label in PROJECT_FACTS],
        *[label for _name, label in quantity_columns()],
    ]


def _project_row(number, row):
    """A project's line: where it is, its dates and stage at the month's end, and its figures."""
    p, f = row.project, row.figures
    names = {u.level: u.name for u in row.home.ancestors()}
    return [
        number,
        p.code,
        p.name,
        names.get(DISTRICT, ""),
        names.get(STREET, ""),
        names.get(COMMUNITY, ""),
        row.home.name,
        p.year,
        Stage(p.stage_then).label,
        p.started_on if p.started else None,
        p.completed_on if p.completed else None,
        f["percent_complete"],
        f["plan_neighbourhoods"],
        f["plan_buildings"],
        f["plan_households"],
        f["plan_floor_area"],
        *[f[name] for name, _label in PROJECT_FACTS],
        *[f[name] for name in QUANTITY_FIELDS],
    ]


def _project_sheet(report):
    title = gettext_lazy("项目基本情况")
    rows = [[_title(report, title)], _project_headers()]
    total = {name: _zero(name) for name in (*SUMMED, *QUANTITY_FIELDS)}
    for i, row in enumerate(report.projects, start=1):
        rows.append(_project_row(i, row))
        for name in total:
            total[name] += row.figures[name]
    rows.append(
        [
            _("合计"),
            *[""] * 11,
            total["plan_neighbourhoods"],
            total["plan_buildings"],
            total["plan_households"],
            total["plan_floor_area"],
            *[total[name] for name, _label in PROJECT_FACTS],
            *[total[name] for name in QUANTITY_FIELDS],
        ]
    )
    return title, rows


def _notes_sheet(report):
    rows = [
        [_title(report, "")],
        [_("填报单位"), report.root.name],
        [_("报告期"), f"{report.month:%Y-%m}"],
        [_("计划年度"), report.year],
        [_("统计截止"), f"{month_end(report.month)[0] - datetime.timedelta(days=1):%Y-%m-%d} 24:00"],
        [
            _("口径"),
            _(
                "本年度计划内、月末前已登记且未取消的项目；开工、完工以月末前记录的阶段变更为准；"
                "完成投资和工程量取各项目截至本月的最新月度进度（累计数）；资金取月末前的承诺和拨付，"
                "扣除月末前的冲销。跨小区项目计入牵头街道内编号最小的小区。"
            ),
        ],
    ]
    return gettext_lazy("说明"), rows


def report_sheets(report):
    """The sheets of the workbook as (title, rows), in their fixed order."""
    sheets = [_notes_sheet(report)]
    for level in (DISTRICT, STREET, NEIGHBOURHOOD):
        if LEVELS.index(level) >= LEVELS.index(report.root.level):
            sheets.append(_unit_sheet(report, level))
    sheets.append(_project_sheet(report))
    return sheets


def report_xlsx(report):
    """The workbook's bytes (every cell through governance.exports' neutralising)."""
    return sheets_xlsx(report_sheets(report))
