"""Tables as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) and Excel (openpyxl).

A table is (headers, rows); each export function returns bytes. Cells that a spreadsheet would
run as a formula (=, +, -, @ first) are prefixed with a quote, so free text typed by residents
cannot become a formula in staff's spreadsheet.
"""

import csv
import io

from django.utils.translation import gettext as _

from projects.choices import WorkClass

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(headers, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(headers, rows, title):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def demand_table(aggregate, place_name=""):
    """The aggregate as a table: rank, class, item, households, share of households."""
    headers = [_("排名"), _("类别"), _("改造内容"), _("选择户数"), _("占总户数比例(%)"), _("小区")]
    labels = dict(WorkClass.choices)
    rows = [
        [rank, str(labels.get(r.work_class, r.work_class)), r.name, r.households, r.share, place_name]
        for rank, r in enumerate(aggregate.rows, start=1)
    ]
    return headers, rows
