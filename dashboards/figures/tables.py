"""What the pages show, the charts draw and the exports write: a table of raw values."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from projects.choices import Stage

from .units import PROJECT


@dataclass
class Table:
    """A table of a dashboard page: `columns` are (header, kind) with kind one of text, int, money,
    area, rate, days; `rows` hold raw values (Decimal for money and areas)."""

    name: str
    title: object
    columns: list
    rows: list
    chart: dict = None
    links: list = None  # [(level, pk)] per row: the row's own dashboard
    hrefs: list = None  # [url] per row: where the row is dealt with (an admin page), instead of links
    note: object = None  # a line under the title (what the table counts, or that a list is cut)

    @property
    def headers(self):
        return [header for header, _kind in self.columns]


def chart(kind, categories, series):
    """A table's chart for static/dashboards/charts.js: `kind` (bar, hbar, pie), the categories
    along its axis and `series` as (name, data) pairs, each name sent as text."""
    return {"type": kind, "categories": categories, "series": [{"name": str(name), "data": data} for name, data in series]}


def unit_links(rows):
    """Each row's own dashboard, for rows of units (each with its `level` and `pk`)."""
    return [(r["level"], r["pk"]) for r in rows]


def project_links(rows):
    """Each row's own dashboard, for rows of projects (each with its `pk`)."""
    return [(PROJECT, r["pk"]) for r in rows]


def project_columns(*more):
    """A project list's columns: the project's code, name, stage and budget, then `more`."""
    return [(_("项目编号"), "text"), (_("项目名称"), "text"), (_("阶段"), "text"), (_("概算(元)"), "money"), *more]


def project_cells(row, *more):
    """A project list's row for `project_columns`: the project's own cells, then `more`."""
    return [row["code"], row["name"], Stage(row["stage"]).label, row["budget"], *more]
