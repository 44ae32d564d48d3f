"""What the pages show, the charts draw and the exports write: a table of raw values."""

from dataclasses import dataclass


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
