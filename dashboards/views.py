"""The officials' dashboards: /dashboards/ and /dashboards/<level>/<id>/ (the overview), the
same unit's other pages as tabs (/dashboards/[<level>/<id>/]consultation/ and .../money/), and
every table's export.

Who sees what: any staff role, through the one scoping function (governance.scoping). A unit is
shown only when it lies inside the actor's territory: at or below the level of one of their roles
(community staff see their community, never the street above it, although the scoping function
lets them read the street's row for breadcrumbs). Anonymous users go to the login; a user without
a role gets 403; a unit outside the territory answers 404, like one that does not exist.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.money import yuan
from governance.exports import table_response
from governance.models import Neighbourhood
from governance.scoping import scope, territory_of

from . import figures as f
from .figures import map as figures_map

MIN_YEAR = 2000
MAX_YEAR = 2100
EXPORT_FORMATS = ("csv", "xlsx")
OVERVIEW = "overview"


@dataclass(frozen=True)
class Page:
    """A tab of a unit's dashboard: its figures (actor, unit, period, full) → figures, its tables
    (figures → [Table]) and its template. `full`: every row of the lists (the exports), else the
    first f.LIST_LIMIT (the page)."""

    title: object
    figures: Callable
    tables: Callable
    template: str


PAGES = {
    OVERVIEW: Page(
        gettext_lazy("总览"),
        lambda actor, unit, period, full: f.overview(actor, unit, period),
        f.overview_tables,
        "dashboards/overview.html",
    ),
    "consultation": Page(
        gettext_lazy("协商议事"),
        lambda actor, unit, period, full: f.consultation(actor, unit, period, limit=None if full else f.LIST_LIMIT),
        f.consultation_tables,
        "dashboards/consultation.html",
    ),
    "money": Page(
        gettext_lazy("资金与长效管理"),
        lambda actor, unit, period, full: f.money_page(actor, unit, period, limit=None if full else f.LIST_LIMIT),
        f.money_tables,
        "dashboards/money.html",
    ),
}


def _page(name):
    if name not in PAGES:
        raise Http404
    return PAGES[name]


class PeriodForm(forms.Form):
    """The filter every page takes: ?year=2026&month=2026-11 (both optional, both bounded)."""

    year = forms.IntegerField(
        label=gettext_lazy("计划年度"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    month = forms.CharField(label=gettext_lazy("截至月份"), required=False, max_length=7)

    def clean_month(self):
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        try:
            month = datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(gettext_lazy("截至月份的格式应为“年-月”，例如 2026-11。")) from None
        today = timezone.localdate()
        if month.year < MIN_YEAR or month > today.replace(day=1):
            raise forms.ValidationError(gettext_lazy("截至月份须在2000年1月至本月之间。"))
        return month


def _period(request):
    """The period of the request's filter, or (None, form) when the filter is invalid."""
    form = PeriodForm(request.GET)
    today = timezone.localdate()
    if not form.is_valid():
        return None, form
    month = form.cleaned_data["month"] or today.replace(day=1)
    year = form.cleaned_data["year"] or month.year
    return f.Period(year=year, month=month), form


def display(value, kind):
    """A cell as the page shows it: money in the project's one format (governance.money.yuan),
    areas with two places, rates with a per cent sign, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if kind == "money":
        return yuan(value)
    if kind == "area":
        return f"{value:,.2f}"
    if kind == "rate":
        return f"{value}%"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _allowed(request):
    """The actor's territory, after the login and the role checks."""
    if not request.user.is_authenticated:
        return None
    territory = territory_of(request.user)
    if territory.is_empty:
        raise PermissionDenied(_("您的账号没有工作人员角色，不能查看领导看板。"))
    return territory


def _ids_of(level, obj):
    ids = {level: obj.pk}
    for up_level, up in f.ancestors_of(level, obj):
        ids[up_level] = up.pk
    return ids


def _inside(territory, level, obj):
    """Whether a district/street/community/neighbourhood lies at or below one of the roles."""
    if territory.sees_everything:
        return True
    ids = _ids_of(level, obj)
    for grant in territory.grants:
        if grant.level in ids and ids[grant.level] == grant.id_at(grant.level):
            return True
    return False


def _unit(request, territory, level, pk):
    if level not in f.LEVEL_MODELS:
        raise Http404
    model = f.LEVEL_MODELS[level]
    rows = scope(model.objects.select_related(*f.UNIT_RELATED[level]), request.user)
    obj = rows.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("没有这个单位，或它不在您的辖区内。"))
    if level == f.PROJECT:
        # The way up goes through the project's first neighbourhood the actor sees (a bundled
        # project may span several streets): the one the actor most likely came from.
        hood = (
            scope(Neighbourhood.objects.select_related(*f.UNIT_RELATED[f.NEIGHBOURHOOD]), request.user)
            .filter(projects=obj)
            .order_by("pk")
            .first()
        )
        ancestors = f.ancestors_of(f.NEIGHBOURHOOD, hood) + [(f.NEIGHBOURHOOD, hood)] if hood else []
        return f.Unit(level, obj, ancestors)
    if not _inside(territory, level, obj):
        raise Http404(_("没有这个单位，或它不在您的辖区内。"))
    return f.Unit(level, obj, f.ancestors_of(level, obj))


def _top_unit(territory):
    """The actor's top page: the city (everything they see), or their one role's unit."""
    if not territory.sees_everything and len(territory.grants) == 1:
        grant = territory.grants[0]
        return grant.level, grant.id_at(grant.level)
    return None


def _unit_url(level, pk, query="", page=OVERVIEW):
    """The address of a unit's page (`page`: a key of PAGES)."""
    if level == f.CITY:
        url = reverse("dashboards:index") if page == OVERVIEW else reverse("dashboards:page_top", args=[page])
    elif page == OVERVIEW:
        url = reverse("dashboards:unit", args=[level, pk])
    else:
        url = reverse("dashboards:page", args=[level, pk, page])
    return f"{url}?{query}" if query else url


def _tabs(unit, query, current):
    """The unit's pages, as tabs: each keeps the unit and the period."""
    return [
        {"name": page.title, "url": _unit_url(unit.level, unit.pk, query, key), "current": key == current}
        for key, page in PAGES.items()
    ]


def _breadcrumb(territory, unit, query, page=OVERVIEW):
    """The way back up, from the actor's top (the city, or their role's unit) to the unit."""
    crumbs = []
    top = _top_unit(territory)
    if top is None:
        crumbs.append(
            {
                "name": _("全市") if territory.sees_everything else _("我的辖区"),
                "url": _unit_url(f.CITY, None, query, page),
            }
        )
    chain = list(unit.ancestors)
    if unit.level != f.CITY:
        chain.append((unit.level, unit.obj))
    reached = top is None
    for level, obj in chain:
        if not reached and (level, obj.pk) == top:
            reached = True
        if reached:
            crumbs.append(
                {"name": obj.name if level != f.PROJECT else str(obj), "url": _unit_url(level, obj.pk, query, page)}
            )
    return crumbs


def _query(period):
    return urlencode({"year": period.year, "month": period.month.strftime("%Y-%m")})


def _title(territory, unit):
    if unit.level == f.CITY:
        return str(_("全市") if territory.sees_everything else _("我的辖区"))
    return unit.name


def _render(request, territory, unit, page_name=OVERVIEW):
    page = _page(page_name)
    period, form = _period(request)
    if period is None:
        return render(request, "dashboards/invalid.html", {"form": form}, status=400)
    if unit.level == f.PROJECT:
        period = f.Period(year=unit.obj.year, month=period.month)
    figures = page.figures(request.user, unit, period, False)
    tables = page.tables(figures)
    query = _query(period)
    for table in tables:
        table.export_urls = {fmt: _export_url(unit, table.name, fmt, query, page_name) for fmt in EXPORT_FORMATS}
        if table.hrefs:
            table.row_urls = table.hrefs
        elif table.links:
            table.row_urls = [_unit_url(level, pk, query, page_name) for level, pk in table.links]
        else:
            table.row_urls = None
        cells = [[(display(value, kind), kind) for value, (_h, kind) in zip(row, table.columns)] for row in table.rows]
        table.body = list(zip(cells, table.row_urls or [None] * len(table.rows)))
    context = {
        "unit": unit,
        "level_name": f.LEVEL_NAMES[unit.level],
        "title": _title(territory, unit),
        "page_title": page.title,
        "tabs": _tabs(unit, query, page_name),
        "breadcrumb": _breadcrumb(territory, unit, query, page_name),
        "period": period,
        "form": form,
        "figures": figures,
        "tables": tables,
        "charts": {table.name: table.chart for table in tables if table.chart},
        "report_url": _report_url(unit, period),
    }
    if page_name == OVERVIEW:
        context.update(_map_context(request, unit, period, query))
        if "map" in context:
            context["charts"]["map"] = context["map"]["chart"]
    return render(request, page.template, context)


def _map_context(request, unit, period, query):
    """The map of the unit's neighbourhoods and its table (dashboards/figures/map.py); nothing at a
    neighbourhood or a project."""
    if unit.level not in figures_map.MAP_LEVELS:
        return {}
    figures = figures_map.map_figures(request.user, unit, period)
    table = figures_map.map_table(figures)
    shown = table.rows[: figures_map.TABLE_ROWS]
    urls = [_unit_url(level, pk, query) for level, pk in table.links[: figures_map.TABLE_ROWS]]
    table.body = list(zip(shown, urls))
    table.export_urls = {fmt: _export_url(unit, table.name, fmt, query) for fmt in EXPORT_FORMATS}
    prefix = reverse("dashboards:unit", args=[f.NEIGHBOURHOOD, 0])[: -len("0/")]
    return {
        "map": {
            "figures": figures,
            "table": table,
            "shown": len(shown),
            "total": len(table.rows),
            "missing": len(figures["missing"]),
            "chart": figures_map.map_chart(figures, prefix, f"/?{query}"),
        }
    }


REPORT_LEVELS = (f.CITY, f.DISTRICT, f.STREET, f.COMMUNITY)


def _report_url(unit, period):
    """The monthly report (dashboards/report.py) of this unit for the page's as-of month; None for
    a neighbourhood or a project, which the report shows as rows of their community."""
    if unit.level not in REPORT_LEVELS:
        return None
    territory = f.CITY if unit.level == f.CITY else f"{unit.level}:{unit.pk}"
    url = reverse("dashboards:monthly_report", args=[period.month.strftime("%Y-%m")])
    return f"{url}?{urlencode({'territory': territory})}"


def _export_url(unit, table, fmt, query, page=OVERVIEW):
    if page != OVERVIEW:
        if unit.level == f.CITY:
            url = reverse("dashboards:page_export_top", args=[page, table, fmt])
        else:
            url = reverse("dashboards:page_export", args=[unit.level, unit.pk, page, table, fmt])
    elif unit.level == f.CITY:
        url = reverse("dashboards:export_top", args=[table, fmt])
    else:
        url = reverse("dashboards:export", args=[unit.level, unit.pk, table, fmt])
    return f"{url}?{query}"


def index(request):
    territory = _allowed(request)
    if territory is None:
        return redirect_to_login(request.get_full_path())
    top = _top_unit(territory)
    if top is not None:
        level, pk = top
        query = request.GET.urlencode()
        return redirect(_unit_url(level, pk, query))
    return _render(request, territory, f.Unit(f.CITY))


def unit_page(request, level, pk, page=OVERVIEW):
    territory = _allowed(request)
    if territory is None:
        return redirect_to_login(request.get_full_path())
    _page(page)
    return _render(request, territory, _unit(request, territory, level, pk), page)


def page_top(request, page):
    """A page other than the overview at the actor's top: the city, or their role's unit."""
    territory = _allowed(request)
    if territory is None:
        return redirect_to_login(request.get_full_path())
    _page(page)
    top = _top_unit(territory)
    if top is not None:
        level, pk = top
        return redirect(_unit_url(level, pk, request.GET.urlencode(), page))
    return _render(request, territory, f.Unit(f.CITY), page)


def _export(request, territory, unit, table_name, fmt, page_name=OVERVIEW):
    page = _page(page_name)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    period, form = _period(request)
    if period is None:
        return render(request, "dashboards/invalid.html", {"form": form}, status=400)
    if unit.level == f.PROJECT:
        period = f.Period(year=unit.obj.year, month=period.month)
    if page_name == OVERVIEW and table_name == "map":
        table = _map_table(request, unit, period)
    else:
        tables = {t.name: t for t in page.tables(page.figures(request.user, unit, period, True))}
        table = tables.get(table_name)
    if table is None:
        raise Http404
    place = _title(territory, unit)
    if unit.level == f.PROJECT:
        place = unit.obj.code
    filename = f"{place}_{table.title}_{period.year}年计划_截至{period.as_of:%Y-%m-%d}"
    return table_response(table.headers, table.rows, fmt, filename, title=str(table.title))


def _map_table(request, unit, period):
    if unit.level not in figures_map.MAP_LEVELS:
        return None
    return figures_map.map_table(figures_map.map_figures(request.user, unit, period))


def export_top(request, table, fmt):
    territory = _allowed(request)
    if territory is None:
        return redirect_to_login(request.get_full_path())
    return _export(request, territory, f.Unit(f.CITY), table, fmt)


def export(request, level, pk, table, fmt, page=OVERVIEW):
    territory = _allowed(request)
    if territory is None:
        return redirect_to_login(request.get_full_path())
    _page(page)
    return _export(request, territory, _unit(request, territory, level, pk), table, fmt, page)


def page_export_top(request, page, table, fmt):
    territory = _allowed(request)
    if territory is None:
        return redirect_to_login(request.get_full_path())
    _page(page)
    return _export(request, territory, f.Unit(f.CITY), table, fmt, page)
