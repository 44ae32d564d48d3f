"""The census import (摸底普查导入): neighbourhoods, buildings, stairwells and households from one
Excel (.xlsx) or CSV file, one household a row.

The file
- Excel: the first sheet of an .xlsx workbook. CSV: UTF-8 (with or without BOM); otherwise GBK /
  GB18030, as Chinese Excel saves it (UTF-8 is tried first, GB18030 second); UTF-16 with a BOM
  (Excel's "Unicode text") too. Comma, tab or semicolon separated (taken from the header line).
- Row 1 is the header. Columns, by English or Chinese name (case, spaces and a BOM around a header
  are ignored; unknown columns are ignored):
  district 区 · street 街道 · community 社区 · neighbourhood 小区 · built_year 建成年份 ·
  building 楼栋 · stairwell 单元 · room 房号 · floor 楼层 · floor_area 面积 · owner_name 业主姓名 ·
  owner_id_number 身份证号 · phone 联系电话. A few common variants are accepted as well (see
  `COLUMNS`). The columns with a required value must be present; a missing one is a file-level
  error naming it. stairwell, floor, owner_name, owner_id_number and phone may be left out.
- Rows whose cells are all blank are skipped (they still count in the row numbers).

What a row means
- District, street and community must already exist, each matched by name within its parent:
  otherwise "unknown district/street/community". The actor must manage the row's community
  (governance.scoping.scope(..., write=True)); otherwise the row is refused as outside the
  actor's territory.
- Neighbourhoods (natural key: community + name), buildings (neighbourhood + name), stairwells
  (building + name) and households (stairwell + room, or building + room when the stairwell cell
  is blank: a household directly in its building) are created, or updated in place when they exist.
- Neighbourhood.built_year comes from the file; every row of one neighbourhood must agree on it.
- A household's neighbourhood is always its building's neighbourhood.

Blank optional cells keep what is stored
- A blank floor, owner_name, owner_id_number or phone cell (or a column left out) leaves the
  stored value as it is: a file re-exported without ID numbers does not wipe them, and a file of
  areas alone does not wipe the phones. To clear a value, edit the household in the admin.
- Households, buildings, stairwells and neighbourhoods absent from the file are left alone: the
  import never deletes. A household moved to another stairwell in the file is a new household
  under its new natural key; the old one stays until removed in the admin.

Validation, then one write
- The whole file is validated before anything is written, and every problem is reported as
  (row number as the spreadsheet shows it, column, plain Chinese message). If any row is bad,
  nothing is written (CensusImportError carries the problems).
- A good file is written in one transaction: existing rows of the affected communities are loaded
  in a few queries per chunk of communities, compared in Python, and written in batches (on
  PostgreSQL: new buildings, stairwells and households by COPY, changed households by COPY into a
  temporary table and one UPDATE; elsewhere bulk_create and prepared UPDATEs). The affected communities are locked (select_for_update) for the
  duration, so two imports into one community run one after the other.
- Re-importing the same file changes nothing (all unchanged); a corrected file updates in place.
- An owner's ID number is validated (GB 11643) and stored only as its keyed hash
  (residents.identity.id_number_hash). The number itself is never stored, logged or echoed in a
  message.
- One audit row records the import with its counts (never personal data). Its target is the
  smallest territory holding every row: the community, else the street, else the district (an
  import across several districts is filed under the first row's district).
"""

import contextlib
import gc
import os

from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import Community
from governance.services import audit

from .common import (  # noqa: F401  (the names callers import from residents.census)
    BATCH_SIZE,
    CHUNK_ROWS,
    COLUMNS,
    MAX_FLOOR_AREA,
    PROGRESS_EVERY,
    SYSTEM_ACTOR,
    CensusImportError,
    CensusProblem,
    CensusResult,
    Column,
    SystemActor,
    Tally,
)
from .read import _file_error, _map_headers, _read_table, _rows_table
from .validate import _Validator, phone_problem  # noqa: F401
from .write import _audit_target, _chunks, _write_chunk


@contextlib.contextmanager
def _collector_paused():
    """The cyclic garbage collector paused while the import runs: its rows are many long-lived
    objects without cycles, which every full collection would walk again (a fifth of the
    validation's time on 100,000 rows). Reference counting frees memory as usual; the collector
    resumes afterwards (if it was running: a concurrent import leaves it to the first one)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def census_import(*, file=None, rows=None, actor, progress=None, filename=""):
    """Import a census file (see the module docstring for every rule) and return a CensusResult.

    `file` is a path or a binary file object (.xlsx or CSV, told apart by content); or `rows`, an
    iterable of dicts keyed by column name (English or Chinese), numbered from row 2 as if under
    a header. `actor` is a user, or SYSTEM_ACTOR for a run without one. `progress`, if given, is
    called as progress(stage, done, total) with stage "validate" or "write", `done` the rows so
    far and `total` the expected rows (an estimate while reading, None when unknown).
    `filename` names the file in the audit row (default: the file's own name).

    Refuses (CensusImportError, nothing written): an unreadable file, a missing required column,
    and any bad row, with every problem listed. Writes the whole file in one transaction with one
    audit row.
    """
    if (file is None) == (rows is None):
        raise TypeError("census_import() takes either file or rows")
    report = progress or (lambda stage, done, total: None)
    if file is not None:
        filename = filename or os.path.basename(str(getattr(file, "name", file) or ""))
        table = _read_table(file)
    else:
        table = _rows_table(rows)
    index, labels = _map_headers(table.headers)
    with _collector_paused():
        return _import_table(table, index, labels, actor, report, filename)


def _import_table(table, index, labels, actor, report, filename):
    validator = _Validator(index, labels, len(table.headers) if table.text_cells else None)
    total = table.estimated_rows
    seen = 0
    for row, cells in table.rows:
        validator.check_row(row, cells)
        seen += 1
        if seen % PROGRESS_EVERY == 0:
            report("validate", seen, max(total or 0, seen) if total is not None else None)
    count = len(validator.records)
    report("validate", seen, seen)
    if count == 0 and not validator.problems:
        raise _file_error(_("文件中没有数据行。"))
    parents = validator.resolve_places(actor)
    if validator.problems:
        raise CensusImportError(validator.problems)

    result = CensusResult(rows=count)
    written = 0

    def advance(n):
        nonlocal written
        if n:
            written += n
            report("write", written, count)

    records = validator.records
    del validator
    with transaction.atomic():
        # Serialise imports into the same communities; other writes are not blocked.
        list(Community.objects.select_for_update().filter(pk__in=list(parents)).values_list("pk", flat=True))
        for community_ids, chunk in _chunks(records):
            _write_chunk(community_ids, chunk, result, advance)
        target = _audit_target(parents)
        audit(
            actor=actor,
            action="census_import",
            target=target,
            summary=_("摸底普查导入%(name)s：") % {"name": filename} + result.summary(),
            details={"file": filename, "communities": sorted(parents), **result.as_dict()},
        )
    return result
