"""What the census import's stages share: sizes and bounds, the columns, the system actor, the
problems and the result (see residents.census for the rules)."""

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from governance.models import Building, Community, District, Neighbourhood, Stairwell, Street

from ..models import Household

BATCH_SIZE = 2000
# Households are inserted and updated (governance.bulk's COPY on PostgreSQL) this many at a time.
COPY_ROWS = 10000
# Communities are written in chunks of about this many rows, so the existing rows held in memory
# for the comparison stay bounded however large the file.
CHUNK_ROWS = 25000
PROGRESS_EVERY = 1000

# A household's own values, named as the Household model names them (a validated record carries
# them under the same names).
HOUSEHOLD_OWN_VALUES = ("room", "floor", "floor_area", "owner_name", "owner_id_hash", "phone")
# The columns a household is inserted with in bulk (the census import, residents.demo), in this
# order; governance.bulk.insert_rows fills the others.
HOUSEHOLD_COLUMNS = ("neighbourhood_id", "building_id", "stairwell_id", *HOUSEHOLD_OWN_VALUES)

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
