"""Reading a census file: the table of an .xlsx workbook or a CSV file (its encoding and
separator found), its headers mapped to the columns, its cells as text."""

import csv
import datetime
import io
import os
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .common import _HEADER_KEYS, COLUMNS, CensusImportError, CensusProblem

@dataclass
class _Table:
    headers: list
    rows: object  # iterator of (row number, sequence of raw cell values aligned with headers)
    estimated_rows: int | None = None
    text_cells: bool = False  # every cell a str (a CSV file)


def _file_error(message):
    return CensusImportError([CensusProblem(None, "", "", message)])


def _read_bytes(file):
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as fh:
            return fh.read()
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _decode(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _file_error(_("无法识别文件编码，请另存为UTF-8编码的CSV文件或Excel（.xlsx）文件。")) from None


def _csv_table(data):
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = next(records, None)
    if headers is None:
        raise _file_error(_("文件是空的。"))
    return _Table(headers, enumerate(records, start=2), max(text.count("\n") - 1, 0), text_cells=True)


def _xlsx_table(data):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise _file_error(_("无法读取这个Excel文件，请确认它是.xlsx格式且未损坏。")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = next(rows, None)
    if headers is None:
        workbook.close()
        raise _file_error(_("文件是空的。"))

    def numbered():
        try:
            yield from enumerate(rows, start=2)
        finally:
            workbook.close()

    estimated = (sheet.max_row - 1) if sheet.max_row else None
    return _Table(list(headers), numbered(), estimated)


def _read_table(file):
    data = _read_bytes(file)
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_table(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(_("不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV后再导入。"))
    return _csv_table(data)


def _rows_table(rows):
    rows = list(rows)
    if not rows:
        raise _file_error(_("文件中没有数据行。"))
    headers = list(rows[0])
    return _Table(
        headers, ((n, [row.get(h) for h in headers]) for n, row in enumerate(rows, start=2)), len(rows)
    )


def _header_text(value):
    return str(value if value is not None else "").replace("\ufeff", "").strip()


def _map_headers(headers):
    """{column key: index in the row} and {column key: header as written}; file-level problems
    raised as CensusImportError."""
    index, labels, problems = {}, {}, []
    for position, raw in enumerate(headers):
        text = _header_text(raw)
        key = _HEADER_KEYS.get(text.lower())
        if key is None:
            continue
        if key in index:
            problems.append(
                CensusProblem(1, key, text, _("与“%(other)s”是同一列，重复出现") % {"other": labels[key]})
            )
            continue
        index[key] = position
        labels[key] = text
    for column in COLUMNS:
        if column.required and column.key not in index:
            problems.append(
                CensusProblem(
                    1,
                    column.key,
                    column.label,
                    _("缺少必填列“%(label)s”（%(key)s）") % {"label": column.label, "key": column.key},
                )
            )
        labels.setdefault(column.key, column.label)
    if problems:
        raise CensusImportError(problems)
    return index, labels


def _cell_text(value):
    """A cell as stripped text. Excel numbers come as int/float: whole floats lose their '.0',
    others are shown with Excel's 15 significant digits."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value).strip()
