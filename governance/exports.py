"""The one way the project writes a table to a file staff open in a spreadsheet: CSV (UTF-8 with a
BOM, so Excel reads the Chinese correctly) or Excel (openpyxl).

A table is `headers` and `rows` (lists of cells). Every cell, headers included, goes through
`safe_cell`:
- text that a spreadsheet would run as a formula, one beginning with = + - @ (or their full-width
  forms), a tab or a carriage return, is written with a leading apostrophe, so text typed by a
  resident or a clerk (`-2+3+cmd|' /C calc'!A0`) can never become a formula;
- numbers (int, Decimal, float) stay numbers, negative ones included: a number is never a formula;
- lazy translations become their text (openpyxl refuses them), dates and times are written as
  local time, None as an empty cell.

Every CSV and Excel export goes through `table_csv`/`table_xlsx` (or `table_response`), a report
of several sheets through `sheets_xlsx`;
tests/test_exports.py checks each export of the project.
"""

import csv
import datetime
import io
import itertools
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet reads as the start of a formula (or strips before reading one): the ASCII
# signs, their full-width forms (typed by a Chinese input method), tab and carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value):
    """`value` as a cell that a spreadsheet shows and never runs: see the module docstring."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal, float)):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    text = str(value)  # lazy translations, model instances, anything else: its text
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _safe_row(row):
    return [safe_cell(value) for value in row]


def table_csv(headers, rows):
    """The table as CSV bytes: UTF-8 with a BOM, every cell through `safe_cell`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(_safe_row(headers))
    for row in rows:
        writer.writerow(_safe_row(row))
    return out.getvalue().encode("utf-8")


def table_xlsx(headers, rows, title):
    """The table as the bytes of an Excel workbook of one sheet named `title` (cut to Excel's 31
    characters), every cell through `safe_cell`."""
    return sheets_xlsx([(title, itertools.chain([headers], rows))])


def sheets_xlsx(sheets):
    """A workbook of several sheets as bytes: `sheets` is a list of (title, rows), each row a list
    of cells, every cell through `safe_cell` (a report laid out by its caller: title rows, headers,
    totals)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title=_sheet_title(title))
        for row in rows:
            sheet.append(_safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title):
    # Excel refuses these characters in a sheet name.
    text = str(title)
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31] or "Sheet"


def table_response(headers, rows, fmt, filename, title=""):
    """The table as a download: `fmt` "csv" or "xlsx" (Http404 for anything else); `filename`
    without its extension."""
    if fmt == "csv":
        response = HttpResponse(table_csv(headers, rows), content_type=CSV_CONTENT_TYPE)
    elif fmt == "xlsx":
        response = HttpResponse(table_xlsx(headers, rows, title or filename), content_type=XLSX_CONTENT_TYPE)
    else:
        raise Http404
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}")
    return response
