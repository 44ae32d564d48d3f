"""Validating a census file's rows: every value checked and every problem named by row and column;
the places (district, street, community) resolved within the actor's territory."""

import operator
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Community, District, Street
from governance.scoping import scope

from ..identity import IdNumberChecker
from .common import (
    CENT,
    COLUMNS,
    FLOOR_RANGE,
    HOUSEHOLD_OWN_VALUES,
    MAX_FLOOR_AREA,
    MAX_LENGTHS,
    MIN_BUILT_YEAR,
    CensusProblem,
)
from .read import _cell_text

_INTEGER = re.compile(r"[+-]?[0-9]+")
_LANDLINE_WITH_AREA = re.compile(r"0[0-9]{2,3}-?[1-9][0-9]{6,7}")
_LANDLINE_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
_MOBILE = re.compile(r"1[0-9]{10}", re.ASCII)  # a mobile number as phone_problem returns it


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
    """One validated row, kept small: the names repeat across rows and are shared. The household's
    own values carry the Household model's names."""

    __slots__ = (
        "row",
        "place",
        "community_id",
        "neighbourhood",
        "built_year",
        "building",
        "stairwell",
        *HOUSEHOLD_OWN_VALUES,
    )


class _Validator:
    """Checks the rows one by one (check_row), keeping a _Record of each and every problem found.

    Hot path (100,000 rows a file): the cells are taken in column order by one itemgetter and
    stripped by one map; each distinct year, floor and area text is parsed once (the good ones
    are remembered: the bad ones are checked again on each row, so each row reports its own
    problem); a mobile number already in its stored form skips the normalisation; the ID numbers
    go through one IdNumberChecker (the same messages and hashes as residents.identity's)."""

    def __init__(self, index, labels, text_width=None):
        """`index` and `labels` as read.map_headers gives them; `text_width` the number of headers
        when every cell is text (a CSV file): rows of that length take the fast path."""
        self.labels = labels
        self.problems = []
        self.records = []
        self.this_year = timezone.localdate().year
        self._shared = {}
        self._flats = {}  # flat key -> first row number
        self._built_years = {}  # (place, neighbourhood) -> (year, first row number)
        self._years = {}  # text -> good built year
        self._floors = {}  # text -> good floor
        self._areas = {}  # text -> good floor area
        self._id_numbers = IdNumberChecker()
        keys = [column.key for column in COLUMNS]
        self._width = text_width
        # A text row as long as the header gets one "" appended, read for the columns left out.
        self._pad = len(index) < len(keys)
        self._positions = [(key, index.get(key)) for key in keys]
        if text_width is not None:
            self._getter = operator.itemgetter(*(index.get(key, text_width) for key in keys))
        self._required = [(i, key) for i, key in enumerate(keys) if COLUMNS[i].required]
        self._limited = [(i, key, MAX_LENGTHS[key]) for i, key in enumerate(keys) if key in MAX_LENGTHS]
        self._limited_getter = operator.itemgetter(*(i for i, _key, _limit in self._limited))
        self._shortest_limit = min(MAX_LENGTHS.values())

    def share(self, value):
        return self._shared.setdefault(value, value)

    def problem(self, row, key, message):
        self.problems.append(CensusProblem(row, key, self.labels[key], message))

    def values(self, cells):
        """The row's values in COLUMNS order: text stripped, "" for a column left out or a missing
        cell (an Excel ID number stored as a number stays a float: reported by owner_id)."""
        if len(cells) == self._width and cells.__class__ is list:  # a CSV row: every cell text
            if self._pad:
                cells.append("")
            return list(map(str.strip, self._getter(cells)))
        size = len(cells)
        out = []
        for key, position in self._positions:
            raw = cells[position] if position is not None and position < size else None
            if raw.__class__ is str:
                out.append(raw.strip())
            elif key == "owner_id_number" and isinstance(raw, float):
                out.append(raw)  # an ID number Excel turned into a number: reported below
            else:
                out.append(_cell_text(raw))
        return out

    def check_row(self, row, cells):
        """Validate one row; keep its record. Returns False for a blank row (skipped).

        Kept in one piece: it runs once a row (100,000 a file), and each step split into a method
        would add a call a row; only what runs for a row with a problem is a method of its own."""
        values = self.values(cells)
        if not any(values):
            return False
        (
            district,
            street,
            community,
            neighbourhood,
            built_year,
            building,
            stairwell,
            room,
            floor,
            floor_area,
            owner_name,
            owner_id_number,
            phone,
        ) = values
        ok = True
        required = district and street and community and neighbourhood and built_year and building
        if not (required and room and floor_area):
            ok = self._check_required(row, values) and ok
        if max(map(len, self._limited_getter(values))) > self._shortest_limit:
            ok = self._check_lengths(row, values) and ok

        share = self._shared.setdefault
        record = _Record()
        record.row = row
        record.community_id = None
        place = (district, street, community)
        record.place = place = share(place, place) if district and street and community else None
        record.neighbourhood = neighbourhood = share(neighbourhood, neighbourhood)
        record.building = building = share(building, building)
        record.stairwell = stairwell = share(stairwell, stairwell)
        record.room = room = share(room, room)
        record.owner_name = share(owner_name, owner_name)
        if built_year:
            year = self._years.get(built_year)
            record.built_year = year if year is not None else self.built_year(row, built_year)
        else:
            record.built_year = None
        if floor:
            level = self._floors.get(floor)
            record.floor = level if level is not None else self.floor(row, floor)
        else:
            record.floor = None
        if floor_area:
            area = self._areas.get(floor_area)
            record.floor_area = area if area is not None else self.floor_area(row, floor_area)
        else:
            record.floor_area = None
        record.owner_id_hash = self.owner_id(row, owner_id_number)
        if not phone:
            record.phone = ""
        elif _MOBILE.fullmatch(phone):  # already as stored: what phone_problem would return
            record.phone = phone
        else:
            record.phone = self.phone(row, phone)

        if ok and place is not None:
            neighbourhood_key = (place, neighbourhood)
            first = self._flats.setdefault((neighbourhood_key, building, stairwell, room), row)
            if first != row:
                self.problem(
                    row, "room", _("与第%(row)s行是同一户（小区、楼栋、单元、房号都相同）") % {"row": first}
                )
            if record.built_year is not None:
                year, first = self._built_years.setdefault(neighbourhood_key, (record.built_year, row))
                if year != record.built_year:
                    self._conflicting_year(row, neighbourhood, first, year)
        self.records.append(record)
        return True

    def _check_required(self, row, values):
        """Report each required column left blank; return whether there was none."""
        ok = True
        for i, key in self._required:
            if values[i] == "":
                self.problem(row, key, _("必填，不能为空"))
                ok = False
        return ok

    def _check_lengths(self, row, values):
        """Report each value longer than its column allows; return whether there was none."""
        ok = True
        for i, key, limit in self._limited:
            if len(values[i]) > limit:
                self.problem(row, key, _("不能超过%(count)s个字符") % {"count": limit})
                ok = False
        return ok

    def _conflicting_year(self, row, neighbourhood, first, year):
        self.problem(
            row,
            "built_year",
            _("小区“%(name)s”在第%(row)s行的建成年份是%(year)s，与这里不一致")
            % {"name": neighbourhood, "row": first, "year": year},
        )

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
        self._years[text] = year
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
        self._floors[text] = floor
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
        area = self._areas[text] = area.quantize(CENT)
        return area

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
        digest, message = self._id_numbers(raw)
        if message:
            self.problem(row, "owner_id_number", message)
            return None
        return digest

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
        known = _known_places(places, actor)
        resolved = {}  # place -> community id, or (column, message)
        parents = {}
        for place in places:
            ids, problem = _resolve_place(place, *known)
            if problem is not None:
                resolved[place] = problem
                continue
            community_id, street_id, district_id = ids
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


def _known_places(places, actor):
    """The stored places the file's (district, street, community) names may mean: {district name:
    id}, {(district id, street name): id}, {(street id, community name): id}, and the ids of those
    communities `actor` may write."""
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
    return districts, streets, communities, writable


def _resolve_place(place, districts, streets, communities, writable):
    """((community id, street id, district id), None) for a place the actor may import into, or
    (None, (column, message)) saying which name is wrong."""
    district_name, street_name, community_name = place
    district_id = districts.get(district_name)
    if district_id is None:
        return None, ("district", _("系统中没有名为“%(name)s”的区") % {"name": district_name})
    street_id = streets.get((district_id, street_name))
    if street_id is None:
        return None, (
            "street",
            _("%(parent)s没有名为“%(name)s”的街道") % {"parent": district_name, "name": street_name},
        )
    community_id = communities.get((street_id, community_name))
    if community_id is None:
        return None, (
            "community",
            _("%(parent)s没有名为“%(name)s”的社区") % {"parent": street_name, "name": community_name},
        )
    if community_id not in writable:
        return None, ("community", _("社区“%(name)s”不在您的辖区内，无权导入") % {"name": community_name})
    return (community_id, street_id, district_id), None
