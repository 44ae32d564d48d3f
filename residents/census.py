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
  in a few queries per chunk of communities, compared in Python, and written with bulk_create /
  bulk_update in batches. The affected communities are locked (select_for_update) for the
  duration, so two imports into one community run one after the other.
- Re-importing the same file changes nothing (all unchanged); a corrected file updates in place.
- An owner's ID number is validated (GB 11643) and stored only as its keyed hash
  (residents.identity.id_number_hash). The number itself is never stored, logged or echoed in a
  message.
- One audit row records the import with its counts (never personal data). Its target is the
  smallest territory holding every row: the community, else the street, else the district (an
  import across several districts is filed under the first row's district).
"""

import csv
import datetime
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Building, Community, District, Neighbourhood, Stairwell, Street
from governance import totals
from governance.scoping import scope
from governance.services import audit

from .identity import id_number_hash, id_number_problem
from .models import Household

BATCH_SIZE = 2000
# Communities are written in chunks of about this many rows, so the existing rows held in memory
# for the comparison stay bounded however large the file.
CHUNK_ROWS = 25000
PROGRESS_EVERY = 1000

MAX_FLOOR_AREA = Decimal("10000")
MIN_BUILT_YEAR = 1900
FLOOR_RANGE = (-9, 200)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese header, used in messages when the file's own header is unknown
    required: bool
    aliases: tuple = ()


COLUMNS = (
    Column("district", "区", True, ("区县", "区/县")),
    Column("street", "街道", True, ("街道/乡镇", "乡镇")),
    Column("community", "社区", True, ("社区/居委会", "居委会")),
    Column("neighbourhood", "小区", True, ("小区名称",)),
    Column("built_year", "建成年份", True),
    Column("building", "楼栋", True, ("楼号",)),
    Column("stairwell", "单元", False),
    Column("room", "房号", True),
    Column("floor", "楼层", False),
    Column("floor_area", "面积", True, ("建筑面积", "登记面积")),
    Column("owner_name", "业主姓名", False),
    Column("owner_id_number", "身份证号", False, ("身份证号码",)),
    Column("phone", "联系电话", False, ("电话", "手机号")),
)
COLUMN_ORDER = {column.key: i for i, column in enumerate(COLUMNS)}
_HEADER_KEYS = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.label, *_column.aliases):
        _HEADER_KEYS[_name.lower()] = _column.key

MAX_LENGTHS = {
    "district": District._meta.get_field("name").max_length,
    "street": Street._meta.get_field("name").max_length,
    "community": Community._meta.get_field("name").max_length,
    "neighbourhood": Neighbourhood._meta.get_field("name").max_length,
    "building": Building._meta.get_field("name").max_length,
    "stairwell": Stairwell._meta.get_field("name").max_length,
    "room": Household._meta.get_field("room").max_length,
    "owner_name": Household._meta.get_field("owner_name").max_length,
}


class SystemActor:
    """The actor of a command run without a user: manages everything (like a superuser, through
    the one scoping function) and is audited as no user (actor None)."""

    pk = None
    id = None
    username = "system"
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = True

    def __str__(self):
        return self.username


SYSTEM_ACTOR = SystemActor()


@dataclass(frozen=True)
class CensusProblem:
    """One thing wrong with the file. `row` is the spreadsheet's row number (the header is row 1),
    None for the file as a whole; `column` the column key ("" for none); `label` the column as the
    file names it."""

    row: int | None
    column: str
    label: str
    message: str

    def sort_key(self):
        return (self.row or 0, COLUMN_ORDER.get(self.column, -1))

    def __str__(self):
        where = _("第%(row)s行") % {"row": self.row} if self.row is not None else _("文件")
        column = f" [{self.label}]" if self.label else ""
        return f"{where}{column} {self.message}"


class CensusImportError(Exception):
    """The file was refused; nothing was written. `problems` lists every problem found, in row order."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=CensusProblem.sort_key)
        super().__init__(_("普查文件有%(count)s个问题，未导入任何数据。") % {"count": len(self.problems)})


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class CensusResult:
    """What an import did: per kind, how many were created, updated or found unchanged."""

    rows: int = 0
    neighbourhoods: Tally = field(default_factory=Tally)
    buildings: Tally = field(default_factory=Tally)
    stairwells: Tally = field(default_factory=Tally)
    households: Tally = field(default_factory=Tally)

    KINDS = ("neighbourhoods", "buildings", "stairwells", "households")

    def as_dict(self):
        return asdict(self)

    def summary(self):
        """One line in Chinese, as shown to staff."""
        names = {
            "neighbourhoods": _("小区"),
            "buildings": _("楼栋"),
            "stairwells": _("单元"),
            "households": _("住户"),
        }
        parts = []
        for kind in self.KINDS:
            tally = getattr(self, kind)
            parts.append(
                _("%(kind)s：新增%(created)s，更新%(updated)s，未变%(unchanged)s")
                % {"kind": names[kind], **asdict(tally)}
            )
        # The separators are messages too: "；" and "。" become "; " and "." in English.
        return _("共%(rows)s行。") % {"rows": self.rows} + _("；").join(parts) + _("。")


# --- Reading the file --------------------------------------------------------------------------


@dataclass
class _Table:
    headers: list
    rows: object  # iterator of (row number, sequence of raw cell values aligned with headers)
    estimated_rows: int | None = None


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
    return _Table(headers, enumerate(records, start=2), max(text.count("\n") - 1, 0))


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


# --- Validating one value ----------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+")
_LANDLINE_WITH_AREA = re.compile(r"0[0-9]{2,3}-?[1-9][0-9]{6,7}")
_LANDLINE_LOCAL = re.compile(r"[2-9][0-9]{6,7}")


def phone_problem(raw):
    """(normalised phone, None) or (None, message saying what is wrong).

    Accepted: an 11-digit mobile number starting with 1 (spaces, dashes and a +86 prefix are
    dropped), or a landline of 7–8 digits with an optional area code starting with 0, optionally
    followed by a dash (028-86001234, 02886001234, 86001234).
    """
    value = unicodedata.normalize("NFKC", raw).replace(" ", "")
    if value.startswith("+86"):
        value = value[3:]
    if not value or not re.fullmatch(r"[0-9-]+", value):
        return None, _("联系电话只能包含数字和连字符“-”")
    digits = value.replace("-", "")
    if digits.startswith("1"):
        if len(digits) != 11:
            return None, _("手机号应为11位数字，这里是%(count)s位") % {"count": len(digits)}
        return digits, None
    if digits.startswith("0"):
        if not _LANDLINE_WITH_AREA.fullmatch(value):
            return None, _("固定电话应为区号加7至8位号码，如028-86001234")
        return value, None
    if "-" in value or not _LANDLINE_LOCAL.fullmatch(value):
        return None, _("联系电话应为以1开头的11位手机号，或固定电话（如028-86001234）")
    return value, None


class _Record:
    """One validated row, kept small: the names repeat across rows and are shared."""

    __slots__ = (
        "row",
        "place",
        "community_id",
        "neighbourhood",
        "built_year",
        "building",
        "stairwell",
        "room",
        "floor",
        "floor_area",
        "owner_name",
        "owner_id_hash",
        "phone",
    )


class _Validator:
    def __init__(self, index, labels):
        self.labels = labels
        self.problems = []
        self.records = []
        self.this_year = timezone.localdate().year
        self._shared = {}
        self._flats = {}  # flat key -> first row number
        self._built_years = {}  # (place, neighbourhood) -> (year, first row number)
        self._positions = list(index.items())
        self._absent = {column.key: "" for column in COLUMNS if column.key not in index}
        self._required = [column.key for column in COLUMNS if column.required]

    def share(self, value):
        return self._shared.setdefault(value, value)

    def problem(self, row, key, message):
        self.problems.append(CensusProblem(row, key, self.labels[key], message))

    def values(self, cells):
        out = dict(self._absent)
        size = len(cells)
        for key, position in self._positions:
            raw = cells[position] if position < size else None
            if raw.__class__ is str:  # every CSV cell: the fast path
                out[key] = raw.strip()
            elif key == "owner_id_number" and isinstance(raw, float):
                out[key] = raw  # an ID number Excel turned into a number: reported below
            else:
                out[key] = _cell_text(raw)
        return out

    def check_row(self, row, cells):
        """Validate one row; keep its record. Returns False for a blank row (skipped)."""
        values = self.values(cells)
        if not any(values.values()):
            return False
        record = _Record()
        record.row = row
        record.community_id = None
        ok = True
        for key in self._required:
            if values[key] == "":
                self.problem(row, key, _("必填，不能为空"))
                ok = False
        for key, limit in MAX_LENGTHS.items():
            if len(values[key]) > limit:
                self.problem(row, key, _("不能超过%(count)s个字符") % {"count": limit})
                ok = False

        place = (values["district"], values["street"], values["community"])
        record.place = self.share(place) if all(place) else None
        record.neighbourhood = self.share(values["neighbourhood"])
        record.building = self.share(values["building"])
        record.stairwell = self.share(values["stairwell"])
        record.room = self.share(values["room"])
        record.owner_name = self.share(values["owner_name"])
        record.built_year = self.built_year(row, values["built_year"])
        record.floor = self.floor(row, values["floor"])
        record.floor_area = self.floor_area(row, values["floor_area"])
        record.owner_id_hash = self.owner_id(row, values["owner_id_number"])
        record.phone = self.phone(row, values["phone"])

        if ok and record.place is not None:
            neighbourhood_key = (record.place, record.neighbourhood)
            flat = (neighbourhood_key, record.building, record.stairwell, record.room)
            first = self._flats.setdefault(flat, row)
            if first != row:
                self.problem(
                    row, "room", _("与第%(row)s行是同一户（小区、楼栋、单元、房号都相同）") % {"row": first}
                )
            if record.built_year is not None:
                year, first = self._built_years.setdefault(neighbourhood_key, (record.built_year, row))
                if year != record.built_year:
                    self.problem(
                        row,
                        "built_year",
                        _("小区“%(name)s”在第%(row)s行的建成年份是%(year)s，与这里不一致")
                        % {"name": record.neighbourhood, "row": first, "year": year},
                    )
        self.records.append(record)
        return True

    def built_year(self, row, text):
        if text == "":
            return None
        if not _INTEGER.fullmatch(text):
            self.problem(row, "built_year", _("建成年份应为整数年份，如1985"))
            return None
        year = int(text)
        if not MIN_BUILT_YEAR <= year <= self.this_year:
            self.problem(
                row,
                "built_year",
                _("建成年份应在%(low)s年至%(high)s年之间") % {"low": MIN_BUILT_YEAR, "high": self.this_year},
            )
            return None
        return year

    def floor(self, row, text):
        if text == "":
            return None
        if not _INTEGER.fullmatch(text):
            self.problem(row, "floor", _("楼层应为整数，如3；地下室可写-1"))
            return None
        floor = int(text)
        if not FLOOR_RANGE[0] <= floor <= FLOOR_RANGE[1]:
            self.problem(
                row,
                "floor",
                _("楼层应在%(low)s到%(high)s之间") % {"low": FLOOR_RANGE[0], "high": FLOOR_RANGE[1]},
            )
            return None
        return floor

    def floor_area(self, row, text):
        if text == "":
            return None
        try:
            area = Decimal(text)
        except InvalidOperation:
            area = None
        if area is None or not area.is_finite():
            self.problem(row, "floor_area", _("面积应为数字（平方米），如75.5"))
            return None
        if area <= 0:
            self.problem(row, "floor_area", _("面积必须大于0"))
            return None
        if area > MAX_FLOOR_AREA:
            self.problem(
                row,
                "floor_area",
                _("面积超过%(max)s平方米，不像一户的面积，请核对") % {"max": MAX_FLOOR_AREA},
            )
            return None
        if area.quantize(CENT) != area:
            self.problem(row, "floor_area", _("面积最多保留两位小数"))
            return None
        return area.quantize(CENT)

    def owner_id(self, row, raw):
        if isinstance(raw, float):
            self.problem(
                row,
                "owner_id_number",
                _("身份证号被Excel存成了数字，末几位已丢失；请把该列设为文本格式后重新填写"),
            )
            return None
        if raw == "":
            return ""
        message = id_number_problem(raw)
        if message:
            self.problem(row, "owner_id_number", message)
            return None
        return id_number_hash(raw)

    def phone(self, row, text):
        if text == "":
            return ""
        phone, message = phone_problem(text)
        if message:
            self.problem(row, "phone", message)
            return None
        return phone

    def resolve_places(self, actor):
        """Match district/street/community names (3 queries) and the actor's territory (1 query);
        set each record's community_id. Returns {community id: (street id, district id)}."""
        places = {record.place for record in self.records if record.place is not None}
        districts = {
            name: pk
            for pk, name in District.objects.filter(name__in={p[0] for p in places}).values_list("pk", "name")
        }
        streets = {
            (district_id, name): pk
            for pk, district_id, name in Street.objects.filter(
                district_id__in=districts.values(), name__in={p[1] for p in places}
            ).values_list("pk", "district_id", "name")
        }
        communities = {
            (street_id, name): pk
            for pk, street_id, name in Community.objects.filter(
                street_id__in=streets.values(), name__in={p[2] for p in places}
            ).values_list("pk", "street_id", "name")
        }
        writable = set(
            scope(Community.objects.filter(pk__in=communities.values()), actor, write=True).values_list(
                "pk", flat=True
            )
        )
        resolved = {}  # place -> community id, or (column, message)
        parents = {}
        for place in places:
            district_name, street_name, community_name = place
            district_id = districts.get(district_name)
            if district_id is None:
                resolved[place] = ("district", _("系统中没有名为“%(name)s”的区") % {"name": district_name})
                continue
            street_id = streets.get((district_id, street_name))
            if street_id is None:
                resolved[place] = (
                    "street",
                    _("%(parent)s没有名为“%(name)s”的街道") % {"parent": district_name, "name": street_name},
                )
                continue
            community_id = communities.get((street_id, community_name))
            if community_id is None:
                resolved[place] = (
                    "community",
                    _("%(parent)s没有名为“%(name)s”的社区") % {"parent": street_name, "name": community_name},
                )
                continue
            if community_id not in writable:
                resolved[place] = (
                    "community",
                    _("社区“%(name)s”不在您的辖区内，无权导入") % {"name": community_name},
                )
                continue
            resolved[place] = community_id
            parents[community_id] = (street_id, district_id)
        for record in self.records:
            if record.place is None:
                continue
            outcome = resolved[record.place]
            if isinstance(outcome, tuple):
                self.problem(record.row, *outcome)
            else:
                record.community_id = outcome
        return parents


# --- Writing -----------------------------------------------------------------------------------

# A household's stored values compared with the file's, in this order.
_HOUSEHOLD_VALUES = (
    "neighbourhood_id",
    "building_id",
    "floor",
    "floor_area",
    "owner_name",
    "owner_id_hash",
    "phone",
)


def _chunks(records):
    """Records grouped by community, the communities grouped into chunks of about CHUNK_ROWS rows,
    so the existing rows held for the comparison stay bounded however large the file."""
    by_community = {}
    for record in records:
        by_community.setdefault(record.community_id, []).append(record)
    chunk_ids, chunk_records = [], []
    for community_id, group in by_community.items():
        chunk_ids.append(community_id)
        chunk_records.extend(group)
        if len(chunk_records) >= CHUNK_ROWS:
            yield chunk_ids, chunk_records
            chunk_ids, chunk_records = [], []
    if chunk_ids:
        yield chunk_ids, chunk_records


def _write_neighbourhoods(community_ids, records, tally, now):
    """Create the file's neighbourhoods that are missing, correct the build year of the others;
    return {(community id, name): pk}."""
    wanted = {}
    for record in records:
        wanted.setdefault((record.community_id, record.neighbourhood), record.built_year)
    existing = {
        (community_id, name): (pk, built_year)
        for pk, community_id, name, built_year in Neighbourhood.objects.filter(
            community_id__in=community_ids
        ).values_list("pk", "community_id", "name", "built_year")
    }
    to_create, to_update = [], []
    for (community_id, name), built_year in wanted.items():
        found = existing.get((community_id, name))
        if found is None:
            to_create.append(Neighbourhood(community_id=community_id, name=name, built_year=built_year))
        elif found[1] != built_year:
            to_update.append(Neighbourhood(pk=found[0], built_year=built_year, updated_at=now))
    Neighbourhood.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Neighbourhood.objects.bulk_update(to_update, ["built_year", "updated_at"], batch_size=BATCH_SIZE)
    tally.created += len(to_create)
    tally.updated += len(to_update)
    tally.unchanged += len(wanted) - len(to_create) - len(to_update)
    ids = {key: pk for key, (pk, _year) in existing.items()}
    ids.update({(obj.community_id, obj.name): obj.pk for obj in to_create})
    return ids


def _ensure_named(model, parent_field, keys, existing_rows, tally):
    """Create the (parent id, name) `keys` missing from `existing_rows` (pk, parent id, name);
    return {(parent id, name): pk}. The file sets nothing else on buildings and stairwells."""
    ids = {(parent_id, name): pk for pk, parent_id, name in existing_rows}
    missing = [key for key in keys if key not in ids]
    objs = [model(**{parent_field: parent_id, "name": name}) for parent_id, name in missing]
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    ids.update(zip(missing, (obj.pk for obj in objs)))
    tally.created += len(missing)
    tally.unchanged += len(keys) - len(missing)
    return ids


def _write_chunk(community_ids, records, result, advance):
    now = timezone.now()
    neighbourhood_ids = _write_neighbourhoods(community_ids, records, result.neighbourhoods, now)
    # The lock order of every writer of the stored totals (governance.totals): the neighbourhoods
    # first, then the rows below them; the totals are recounted once the chunk is written.
    counted = totals.lock_neighbourhoods(
        Neighbourhood.objects.filter(community_id__in=community_ids).values_list("pk", flat=True)
    )
    # Each record's neighbourhood and building ids, in record order.
    record_neighbourhoods = [neighbourhood_ids[(r.community_id, r.neighbourhood)] for r in records]
    building_ids = _ensure_named(
        Building,
        "neighbourhood_id",
        dict.fromkeys(zip(record_neighbourhoods, (r.building for r in records))),
        Building.objects.filter(neighbourhood__community_id__in=community_ids).values_list(
            "pk", "neighbourhood_id", "name"
        ),
        result.buildings,
    )
    record_buildings = [
        building_ids[key] for key in zip(record_neighbourhoods, (r.building for r in records))
    ]
    stairwell_ids = _ensure_named(
        Stairwell,
        "building_id",
        dict.fromkeys((b, r.stairwell) for b, r in zip(record_buildings, records) if r.stairwell),
        Stairwell.objects.filter(building__neighbourhood__community_id__in=community_ids).values_list(
            "pk", "building_id", "name"
        ),
        result.stairwells,
    )

    # Households: natural key (stairwell, room), or (building, room) without a stairwell, as the
    # model's unique constraints say.
    existing = {}
    for pk, stairwell_id, room, *values in (
        Household.objects.filter(building__neighbourhood__community_id__in=community_ids)
        .values_list("pk", "stairwell_id", "room", *_HOUSEHOLD_VALUES)
        .iterator(chunk_size=5000)
    ):
        key = ("s", stairwell_id, room) if stairwell_id else ("b", values[1], room)
        existing[key] = (pk, tuple(values))

    tally = result.households
    to_create, to_update = [], []  # tuples in _HOUSEHOLD_INSERT order; (pk, *_HOUSEHOLD_VALUES)

    def flush(force=False):
        nonlocal to_create, to_update
        if to_create and (force or len(to_create) >= BATCH_SIZE):
            _insert_households(to_create, now)
            tally.created += len(to_create)
            advance(len(to_create))
            to_create = []
        if to_update and (force or len(to_update) >= BATCH_SIZE):
            _update_households(to_update, now)
            tally.updated += len(to_update)
            advance(len(to_update))
            to_update = []

    unchanged = 0
    for record, neighbourhood_id, building_id in zip(records, record_neighbourhoods, record_buildings):
        stairwell_id = stairwell_ids[(building_id, record.stairwell)] if record.stairwell else None
        key = ("s", stairwell_id, record.room) if stairwell_id else ("b", building_id, record.room)
        found = existing.pop(key, None)
        if found is None:
            to_create.append(
                (
                    neighbourhood_id,
                    building_id,
                    stairwell_id,
                    record.room,
                    record.floor,
                    record.floor_area,
                    record.owner_name,
                    record.owner_id_hash,
                    record.phone,
                )
            )
        else:
            pk, old = found
            # Blank optional cells keep the stored value (see the module docstring).
            new = (
                neighbourhood_id,
                building_id,
                old[2] if record.floor is None else record.floor,
                record.floor_area,
                record.owner_name or old[4],
                record.owner_id_hash or old[5],
                record.phone or old[6],
            )
            if new == old:
                unchanged += 1
                if unchanged % PROGRESS_EVERY == 0:
                    advance(PROGRESS_EVERY)
            else:
                to_update.append((pk, *new))
        flush()
    flush(force=True)
    tally.unchanged += unchanged
    advance(unchanged % PROGRESS_EVERY)
    totals.recount(counted)


# Households are written in bulk. On PostgreSQL (psycopg2) through COPY: inserting 100,000 rows
# with bulk_create spends most of its time preparing values in Python, and bulk_update's
# CASE WHEN per field grows with the square of the batch; COPY into the table, or into a
# temporary table followed by one UPDATE ... FROM, takes a fraction of that. Elsewhere (SQLite)
# bulk_create, and one prepared UPDATE run for every row.
_HOUSEHOLD_INSERT = (
    "neighbourhood_id",
    "building_id",
    "stairwell_id",
    "room",
    "floor",
    "floor_area",
    "owner_name",
    "owner_id_hash",
    "phone",
)


def _copy_cursor():
    if connection.vendor != "postgresql":
        return None
    cursor = connection.cursor()
    if not hasattr(cursor, "copy_expert"):  # not psycopg2
        cursor.close()
        return None
    return cursor


def _copy_value(value):
    if value is None:
        return "\\N"
    text = value.isoformat() if isinstance(value, datetime.datetime) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(cursor, table, columns, rows):
    """COPY `rows` (tuples in `columns` order) into `table`, in PostgreSQL's text format."""
    buffer = io.StringIO()
    for values in rows:
        buffer.write("\t".join(map(_copy_value, values)))
        buffer.write("\n")
    buffer.seek(0)
    quote = connection.ops.quote_name
    cursor.copy_expert(f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN", buffer)


def _insert_households(rows, now):
    cursor = _copy_cursor()
    if cursor is None:
        Household.objects.bulk_create(
            [Household(**dict(zip(_HOUSEHOLD_INSERT, values))) for values in rows], batch_size=BATCH_SIZE
        )
        return
    # COPY knows nothing of Django's defaults: every other column gets its field's default here
    # (a callable default is called for each row), and the timestamps get `now`.
    others = [
        f
        for f in Household._meta.concrete_fields
        if not f.primary_key
        and f.attname not in _HOUSEHOLD_INSERT
        and f.attname not in ("created_at", "updated_at")
    ]
    constant = tuple(None if callable(f.default) else f.get_default() for f in others)
    callables = [(i, f) for i, f in enumerate(others) if callable(f.default)]

    def full(values):
        defaults = constant
        if callables:
            defaults = list(constant)
            for i, f in callables:
                defaults[i] = f.get_default()
            defaults = tuple(defaults)
        return values + defaults + (now, now)

    with cursor:
        _copy(
            cursor,
            Household._meta.db_table,
            [
                *(Household._meta.get_field(name).column for name in _HOUSEHOLD_INSERT),
                *(f.column for f in others),
                Household._meta.get_field("created_at").column,
                Household._meta.get_field("updated_at").column,
            ],
            map(full, rows),
        )


def _update_households(rows, now):
    quote = connection.ops.quote_name
    fields = [Household._meta.get_field(name) for name in ("id", *_HOUSEHOLD_VALUES)]
    updated_at = Household._meta.get_field("updated_at")
    cursor = _copy_cursor()
    if cursor is None:
        # One prepared UPDATE run for every row (executemany): on SQLite far quicker than
        # bulk_update's CASE WHEN, which grows with the square of the batch.
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in [*fields[1:], updated_at])
        sql = (
            f"UPDATE {quote(Household._meta.db_table)} SET {assignments} WHERE {quote(fields[0].column)} = %s"
        )
        params = [
            [f.get_db_prep_save(v, connection) for f, v in zip([*fields[1:], updated_at], (*values, now))]
            + [pk]
            for pk, *values in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        return
    temp = "census_household_update"
    with cursor:
        columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ({columns})")
        _copy(cursor, temp, [f.column for f in fields], rows)
        assignments = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in fields[1:])
        cursor.execute(
            f"UPDATE {quote(Household._meta.db_table)} h SET {assignments}, {quote(updated_at.column)} = %s "
            f"FROM {temp} u WHERE h.{quote(fields[0].column)} = u.{quote(fields[0].column)}",
            [now],
        )
        cursor.execute(f"DROP TABLE {temp}")


def _audit_target(parents):
    """The smallest territory holding every community of the import (see the module docstring)."""
    community_ids = list(parents)
    street_ids = {street_id for street_id, _district in parents.values()}
    district_ids = {district_id for _street, district_id in parents.values()}
    if len(community_ids) == 1:
        return Community.objects.get(pk=community_ids[0])
    if len(street_ids) == 1:
        return Street.objects.get(pk=street_ids.pop())
    if len(district_ids) == 1:
        return District.objects.get(pk=district_ids.pop())
    return District.objects.get(pk=parents[community_ids[0]][1])


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

    validator = _Validator(index, labels)
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
