"""The census import: every kind of bad row named by row and column, all or nothing, idempotent
re-import, corrections in place, encodings and Excel, the ID number kept only as a hash, scoping,
the admin page and the command."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from governance.models import AuditEntry, Building, Neighbourhood, Stairwell
from residents.census import SYSTEM_ACTOR, CensusImportError, census_import
from residents.identity import id_number_hash
from residents.models import Household
from tests.factories import CommunityFactory

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "census_sample.csv"  # README: the sample
# The census file's columns: (English header, Chinese header).
COLUMNS = (
    ("district", "区"), ("street", "街道"), ("community", "社区"), ("neighbourhood", "小区"),
    ("built_year", "建成年份"), ("building", "楼栋"), ("stairwell", "单元"), ("room", "房号"),
    ("floor", "楼层"), ("floor_area", "面积"), ("owner_name", "业主姓名"), ("owner_id_number", "身份证号"),
    ("phone", "联系电话"),
)
EN = [en for en, _zh in COLUMNS]
REQUIRED = ["district", "street", "community", "neighbourhood", "built_year", "building", "room", "floor_area"]
ZH = [zh for _en, zh in COLUMNS]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_PATTERN = re.compile(r"\d{17}[\dXx]")


def valid_id(n, birth="19800101"):
    body = f"510104{birth}{n:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def row(**changes):
    """A good row in the fixture's community 新华社区 (street 玉溪街道), in a new building."""
    values = {
        "district": "甜城区",
        "street": "玉溪街道",
        "community": "新华社区",
        "neighbourhood": "新华里",
        "built_year": "1990",
        "building": "2栋",
        "stairwell": "1单元",
        "room": "101",
        "floor": "1",
        "floor_area": "75.50",
        "owner_name": "张三",
        "owner_id_number": valid_id(1),
        "phone": "13800000001",
    }
    values.update(changes)
    return values


def good_rows(count=4, **changes):
    return [
        row(
            room=f"{i // 2 + 1}0{i % 2 + 1}",
            floor=str(i // 2 + 1),
            owner_id_number=valid_id(i + 1),
            **changes,
        )
        for i in range(count)
    ]


def csv_bytes(rows, headers=ZH, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(key, "") for key in EN])
    return out.getvalue().encode(encoding)


def run(rows, actor=SYSTEM_ACTOR, **kwargs):
    return census_import(file=io.BytesIO(csv_bytes(rows, **kwargs)), actor=actor)


def problems_of(rows, actor=SYSTEM_ACTOR):
    with pytest.raises(CensusImportError) as caught:
        run(rows, actor=actor)
    return caught.value.problems


def tallies(result):
    data = result.as_dict()
    return {
        kind: (data[kind]["created"], data[kind]["updated"], data[kind]["unchanged"]) for kind in result.KINDS
    }


def snapshot():
    return (
        list(Neighbourhood.objects.order_by("pk").values()),
        list(Building.objects.order_by("pk").values()),
        list(Stairwell.objects.order_by("pk").values()),
        list(Household.objects.order_by("pk").values()),
    )


@pytest.fixture
def sample_territory(territory):
    """The place the sample file names, 甜城区 / 玉溪街道 / 桂湖社区 (the demo's first community),
    added to the fixture's street 玉溪街道."""
    CommunityFactory(street=territory.s1, name="桂湖社区")
    return territory


# --- a good file ---------------------------------------------------------------------------------


def test_the_sample_file_imports(sample_territory):
    result = census_import(file=SAMPLE, actor=SYSTEM_ACTOR)

    assert result.rows == 48
    assert tallies(result) == {
        "neighbourhoods": (2, 0, 0),
        "buildings": (4, 0, 0),
        "stairwells": (8, 0, 0),
        "households": (48, 0, 0),
    }
    first = Household.objects.select_related("neighbourhood__community", "building", "stairwell").get(
        neighbourhood__name="新华中路1号院", building__name="1栋", stairwell__name="1单元", room="101"
    )
    assert first.neighbourhood.community.name == "桂湖社区"
    assert first.neighbourhood.built_year == 1985
    assert (first.floor, first.floor_area, first.owner_name, first.phone) == (
        1,
        Decimal("74.05"),
        "徐涛涛",
        "13551631864",
    )
    assert first.owner_id_hash == id_number_hash("510182199502087152")
    assert Neighbourhood.objects.get(name="新华中路2号院").built_year == 1983
    # One owner of two flats: the same hash on both.
    assert Household.objects.filter(owner_id_hash=id_number_hash("510116197306207636")).count() == 2
    entry = AuditEntry.objects.get(action="census_import")
    assert entry.actor is None
    assert entry.details["households"] == {"created": 48, "updated": 0, "unchanged": 0}
    assert entry.details["file"] == "census_sample.csv"
    assert entry.target_type == "governance.community"  # one community


def test_households_belong_to_their_buildings_neighbourhood(sample_territory):
    census_import(file=SAMPLE, actor=SYSTEM_ACTOR)
    assert Household.objects.count() == 48 + 16  # the fixture's 16 and the file's 48
    for household in Household.objects.select_related("building", "stairwell"):
        assert household.neighbourhood_id == household.building.neighbourhood_id
        assert household.stairwell is None or household.stairwell.building_id == household.building_id


def test_re_importing_the_same_file_changes_nothing(sample_territory):
    census_import(file=SAMPLE, actor=SYSTEM_ACTOR)
    before = snapshot()

    result = census_import(file=SAMPLE, actor=SYSTEM_ACTOR)

    assert tallies(result) == {
        "neighbourhoods": (0, 0, 2),
        "buildings": (0, 0, 4),
        "stairwells": (0, 0, 8),
        "households": (0, 0, 48),
    }
    assert snapshot() == before


def test_a_corrected_file_updates_in_place(territory):
    rows = good_rows(4)
    run(rows)
    ids = set(Household.objects.filter(building__name="2栋").values_list("pk", flat=True))
    stamps = dict(Household.objects.filter(building__name="2栋").values_list("room", "updated_at"))
    neighbourhood = Neighbourhood.objects.get(pk=territory.n111.pk)

    rows = [dict(r, built_year="1988") for r in rows]
    rows[1].update(floor_area="80.25", owner_name="李四", phone="028-86001234", owner_id_number=valid_id(99))
    result = run(rows)

    assert tallies(result) == {
        "neighbourhoods": (0, 1, 0),
        "buildings": (0, 0, 1),
        "stairwells": (0, 0, 1),
        "households": (0, 1, 3),
    }
    assert set(Household.objects.filter(building__name="2栋").values_list("pk", flat=True)) == ids
    changed = Household.objects.get(building__name="2栋", room="102")
    assert (changed.floor_area, changed.owner_name, changed.phone) == (
        Decimal("80.25"),
        "李四",
        "028-86001234",
    )
    assert changed.owner_id_hash == id_number_hash(valid_id(99))
    assert changed.updated_at > stamps["102"]
    assert Household.objects.get(building__name="2栋", room="101").updated_at == stamps["101"]
    neighbourhood.refresh_from_db()
    assert neighbourhood.built_year == 1988


def test_existing_households_are_matched_and_absent_ones_left_alone(territory):
    """The fixture's 新华里 / 1栋 / 1单元 holds rooms 101, 102, 201, 202; the file names two of
    them and a new one: the two are updated in place, the other two stay as they were."""
    kept = Household.objects.get(neighbourhood=territory.n111, room="201")
    rows = [
        row(building="1栋", room="101", floor_area="60.00"),
        row(building="1栋", room="102", floor_area="61.00", owner_id_number=valid_id(2)),
        row(building="1栋", room="301", floor="3", owner_id_number=valid_id(3)),
    ]
    result = run(rows)
    assert tallies(result)["households"] == (1, 2, 0)
    assert tallies(result)["buildings"] == (0, 0, 1)
    assert Household.objects.filter(neighbourhood=territory.n111).count() == 5
    assert Household.objects.get(neighbourhood=territory.n111, room="101").floor_area == Decimal("60.00")
    assert Household.objects.get(pk=kept.pk).floor_area == kept.floor_area


def test_blank_optional_cells_keep_the_stored_values(territory):
    rows = good_rows(2)
    run(rows)
    before = list(Household.objects.filter(building__name="2栋").order_by("pk").values())

    blanked = [dict(r, floor="", owner_name="", owner_id_number="", phone="") for r in rows]
    result = run(blanked)

    assert tallies(result)["households"] == (0, 0, 2)
    assert list(Household.objects.filter(building__name="2栋").order_by("pk").values()) == before
    assert all(h["owner_id_hash"] for h in before)


def test_optional_columns_may_be_left_out_and_a_blank_stairwell_means_the_building(territory):
    data = "\n".join([",".join(REQUIRED), "甜城区,玉溪街道,新华社区,新华里,1990,9栋,101,55"]).encode()
    result = census_import(file=io.BytesIO(data), actor=SYSTEM_ACTOR)
    assert tallies(result)["stairwells"] == (0, 0, 0)
    household = Household.objects.get(building__name="9栋")
    assert household.stairwell is None
    assert (household.floor, household.floor_area, household.owner_id_hash, household.phone) == (
        None,
        Decimal("55.00"),
        "",
        "",
    )


def test_queries_do_not_grow_with_the_rows(territory, django_assert_max_num_queries):
    # Places (3), territory (1), lock (1), four loads, inserts, audit (and its target), savepoints.
    with django_assert_max_num_queries(20):
        run(good_rows(6))
    rows = [
        row(building=f"{b}栋", room=f"{r}", owner_id_number=valid_id(r))
        for b in range(3, 8)
        for r in range(1, 41)
    ]
    with django_assert_max_num_queries(20):
        result = run(rows)
    assert tallies(result)["households"] == (200, 0, 0)


def test_progress_is_reported_for_validation_and_writing(territory):
    calls = []
    census_import(
        file=io.BytesIO(csv_bytes(good_rows(3))), actor=SYSTEM_ACTOR, progress=lambda *a: calls.append(a)
    )
    assert ("validate", 3, 3) in calls
    assert calls[-1] == ("write", 3, 3)


# --- encodings and formats ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, headers",
    [
        ("gbk", ZH),
        ("gb18030", ZH),
        ("utf-8-sig", ZH),
        ("utf-8", ZH),
        ("utf-8", EN),
        ("utf-8-sig", EN),
        ("utf-16", ZH),
    ],
)
def test_encodings_and_header_languages(territory, encoding, headers):
    data = csv_bytes(good_rows(2), headers=headers, encoding=encoding)
    result = census_import(file=io.BytesIO(data), actor=SYSTEM_ACTOR)
    assert tallies(result)["households"] == (2, 0, 0)
    assert Household.objects.get(building__name="2栋", room="101").owner_name == "张三"


def test_headers_with_spaces_and_a_bom_are_recognised(territory):
    headers = [" \ufeff区 ", "街道 ", " 社区", *ZH[3:]]
    result = census_import(file=io.BytesIO(csv_bytes(good_rows(1), headers=headers)), actor=SYSTEM_ACTOR)
    assert tallies(result)["households"] == (1, 0, 0)


def _xlsx(rows, id_as_number=False):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ZH)
    for values in rows:
        cells = [values[key] for key in EN]
        cells[EN.index("built_year")] = int(values["built_year"])
        cells[EN.index("floor")] = int(values["floor"])
        cells[EN.index("floor_area")] = float(values["floor_area"])
        cells[EN.index("phone")] = int(values["phone"])
        if id_as_number:
            cells[EN.index("owner_id_number")] = float(values["owner_id_number"])
        sheet.append(cells)
    sheet.append([None] * len(ZH))  # a trailing blank row is skipped
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "census.xlsx"
    return out


def test_an_excel_file_imports(territory):
    rows = good_rows(3)
    rows[2]["floor_area"] = "74.05"
    result = census_import(file=_xlsx(rows), actor=SYSTEM_ACTOR)
    assert tallies(result)["households"] == (3, 0, 0)
    household = Household.objects.get(building__name="2栋", room="201")
    assert (household.floor, household.floor_area, household.phone) == (2, Decimal("74.05"), "13800000001")
    assert household.owner_id_hash == id_number_hash(valid_id(3))
    assert Neighbourhood.objects.get(pk=territory.n111.pk).built_year == 1990


def test_an_excel_id_number_stored_as_a_number_is_refused(territory):
    with pytest.raises(CensusImportError) as caught:
        census_import(file=_xlsx(good_rows(1), id_as_number=True), actor=SYSTEM_ACTOR)
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "owner_id_number")
    assert "文本" in problem.message


def test_an_old_xls_file_is_refused(territory):
    with pytest.raises(CensusImportError) as caught:
        census_import(file=io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), actor=SYSTEM_ACTOR)
    assert ".xls" in caught.value.problems[0].message


def test_a_broken_excel_file_is_refused(territory):
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(CensusImportError) as caught:
        census_import(file=io.BytesIO(data.getvalue()), actor=SYSTEM_ACTOR)
    [problem] = caught.value.problems
    assert problem.row is None and "Excel" in problem.message


def test_rows_may_be_given_instead_of_a_file(territory):
    rows = [
        dict(r, floor_area=Decimal(r["floor_area"]), built_year=int(r["built_year"])) for r in good_rows(2)
    ]
    result = census_import(rows=rows, actor=SYSTEM_ACTOR)
    assert tallies(result)["households"] == (2, 0, 0)
    rows[1]["floor_area"] = Decimal("-1")
    with pytest.raises(CensusImportError) as caught:
        census_import(rows=rows, actor=SYSTEM_ACTOR)
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "floor_area")]


def test_a_missing_required_column_is_a_file_error_naming_it(territory):
    headers = [h for h in ZH if h not in ("面积", "小区")]
    data = io.StringIO()
    csv.writer(data).writerows([headers, ["x"] * len(headers)])
    with pytest.raises(CensusImportError) as caught:
        census_import(file=io.BytesIO(data.getvalue().encode()), actor=SYSTEM_ACTOR)
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "neighbourhood"), (1, "floor_area")]
    assert "小区" in str(caught.value.problems[0])


def test_an_empty_file_is_refused(territory):
    with pytest.raises(CensusImportError):
        census_import(file=io.BytesIO(csv_bytes([])), actor=SYSTEM_ACTOR)


# --- bad rows: each named by row and column ------------------------------------------------------

NEXT_YEAR = str(timezone.localdate().year + 1)

BAD_VALUES = [
    # (column, bad value, words the message must contain)
    *[
        (key, "", "不能为空")
        for key in REQUIRED
    ],
    ("built_year", "一九八五", "整数"),
    ("built_year", "1985.5", "整数"),
    ("built_year", "1899", "1900"),
    ("built_year", NEXT_YEAR, "1900"),
    ("floor", "二", "整数"),
    ("floor", "1.5", "整数"),
    ("floor_area", "七十", "数字"),
    ("floor_area", "NaN", "数字"),
    ("floor_area", "0", "大于0"),
    ("floor_area", "-12", "大于0"),
    ("floor_area", "75.123", "两位小数"),
    ("floor_area", "20000", "核对"),
    ("district", "无名区", "无名区"),
    ("street", "无名街道", "无名街道"),
    ("community", "无名社区", "无名社区"),
    ("community", "远郊社区", "远郊社区"),  # exists, but in another street
    ("owner_id_number", "51010419800101001", "18位"),
    ("owner_id_number", "51010419800101001A", "数字"),
    ("owner_id_number", "510104198002300015", "出生日期"),
    ("owner_id_number", valid_id(1)[:17] + ("0" if valid_id(1)[17] != "0" else "1"), "校验"),
    ("phone", "1380000000", "11位"),
    ("phone", "138000000012", "11位"),
    ("phone", "电话13800000001", "数字"),
    ("phone", "028-123", "区号"),
    ("phone", "12345", "手机号"),
]


@pytest.mark.parametrize("column, value, words", BAD_VALUES)
def test_a_bad_value_is_named_by_row_and_column(territory, column, value, words):
    rows = good_rows(3)
    rows[1][column] = value  # spreadsheet row 3
    problems = problems_of(rows)
    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert words in problems[0].message
    assert str(problems[0]).startswith("第3行 [")
    if column == "owner_id_number":
        assert value not in str(problems[0])  # never echoed


@pytest.mark.parametrize(
    "value",
    [
        "13800000001",
        "138 0000 0001",
        "+8613800000001",
        "028-86001234",
        "02886001234",
        "0838-2212345",
        "86001234",
    ],
)
def test_good_phone_numbers(territory, value):
    run([row(phone=value)])
    assert Household.objects.get(building__name="2栋").phone.replace(" ", "") in value.replace(" ", "")


def test_a_duplicate_flat_names_the_earlier_row(territory):
    rows = good_rows(3)
    rows.append(dict(rows[0], owner_id_number=valid_id(50)))  # row 5 repeats row 2
    problems = problems_of(rows)
    assert [(p.row, p.column) for p in problems] == [(5, "room")]
    assert "第2行" in problems[0].message


def test_the_same_room_in_another_stairwell_is_not_a_duplicate(territory):
    rows = good_rows(2)
    rows.append(dict(rows[0], stairwell="2单元"))
    rows.append(dict(rows[0], stairwell=""))
    result = run(rows)
    assert tallies(result)["households"] == (4, 0, 0)


def test_conflicting_built_years_of_one_neighbourhood(territory):
    rows = good_rows(4)
    rows[2]["built_year"] = "1991"
    problems = problems_of(rows)
    assert [(p.row, p.column) for p in problems] == [(4, "built_year")]
    assert "第2行" in problems[0].message and "1990" in problems[0].message


def test_every_problem_is_reported_at_once(territory):
    rows = good_rows(4)
    rows[0]["floor_area"] = "0"
    rows[1]["district"] = "无名区"
    rows[3]["phone"] = "123"
    rows[3]["built_year"] = "abc"
    problems = problems_of(rows)
    assert [(p.row, p.column) for p in problems] == [
        (2, "floor_area"),
        (3, "district"),
        (5, "built_year"),
        (5, "phone"),
    ]


def test_one_bad_row_writes_nothing(territory):
    before = snapshot()
    audits = AuditEntry.objects.count()
    rows = good_rows(5)
    rows.append(row(neighbourhood="新小区", building="1栋", room="101", owner_id_number=valid_id(7)))
    rows[3]["floor_area"] = "-1"
    problems_of(rows)
    assert snapshot() == before
    assert AuditEntry.objects.count() == audits


def test_blank_rows_are_skipped_but_keep_their_numbers(territory):
    data = csv_bytes(good_rows(2)).decode("utf-8-sig").splitlines()
    data.insert(2, ",,,,,,,,,,,,")
    data[3] = data[3].replace("75.50", "0")
    with pytest.raises(CensusImportError) as caught:
        census_import(file=io.BytesIO("\n".join(data).encode()), actor=SYSTEM_ACTOR)
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "floor_area")]


# --- the ID number is kept only as a hash --------------------------------------------------------


def test_the_id_number_is_stored_only_as_a_hash(sample_territory):
    with open(SAMPLE, encoding="utf-8-sig") as fh:
        numbers = {line["身份证号"] for line in csv.DictReader(fh)}
    assert len(numbers) > 40

    census_import(file=SAMPLE, actor=SYSTEM_ACTOR)

    stored = [
        *Household.objects.values(),
        *Neighbourhood.objects.values(),
        *Building.objects.values(),
        *Stairwell.objects.values(),
        *AuditEntry.objects.values(),
    ]
    text = str(stored)
    assert not [number for number in numbers if number in text]
    for household in Household.objects.values():
        # No 18-character ID number in any field but the 64-character hash.
        others = {key: value for key, value in household.items() if key != "owner_id_hash"}
        assert not ID_NUMBER_PATTERN.search(str(others))
        assert re.fullmatch(r"[0-9a-f]{64}", household["owner_id_hash"])
    hashes = set(
        Household.objects.filter(building__neighbourhood__name__startswith="新华中路").values_list(
            "owner_id_hash", flat=True
        )
    )
    assert hashes == {id_number_hash(number) for number in numbers}


# --- scoping -------------------------------------------------------------------------------------


def test_community_staff_cannot_import_another_community(territory, users):
    before = snapshot()
    rows = good_rows(2)
    rows.append(row(community="东风社区", neighbourhood="东风里", owner_id_number=valid_id(9)))
    problems = problems_of(rows, actor=users.community)
    assert [(p.row, p.column) for p in problems] == [(4, "community")]
    assert "辖区" in problems[0].message
    assert snapshot() == before


def test_community_staff_import_their_own_community(territory, users):
    result = run(good_rows(2), actor=users.community)
    assert tallies(result)["households"] == (2, 0, 0)
    assert AuditEntry.objects.get(action="census_import").actor == users.community


def test_street_staff_import_every_community_of_their_street(territory, users):
    rows = good_rows(2)
    rows.append(row(community="东风社区", neighbourhood="东风里", owner_id_number=valid_id(9)))
    result = run(rows, actor=users.street)
    assert tallies(result)["households"] == (3, 0, 0)
    assert AuditEntry.objects.get(action="census_import").target_type == "governance.street"


def test_a_file_over_two_streets_is_audited_on_their_district(territory):
    rows = good_rows(2)
    rows.append(
        row(street="桂湖街道", community="北门社区", neighbourhood="北门里", owner_id_number=valid_id(9))
    )
    result = run(rows)
    assert tallies(result)["households"] == (3, 0, 0)
    entry = AuditEntry.objects.get(action="census_import")
    assert (entry.target_type, entry.target_id) == ("governance.district", str(territory.district.pk))


@pytest.mark.parametrize("role", ["official", "nobody"])
def test_readers_and_strangers_import_nothing(territory, users, role):
    problems = problems_of(good_rows(2), actor=getattr(users, role))
    assert {(p.row, p.column) for p in problems} == {(2, "community"), (3, "community")}


def test_no_actor_is_not_the_system(territory):
    problems = problems_of(good_rows(1), actor=None)
    assert [(p.row, p.column) for p in problems] == [(2, "community")]


# --- the admin page ------------------------------------------------------------------------------

IMPORT_URL = "admin:residents_household_import"


def upload(client, data, name="census.csv"):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_the_import_page_is_for_staff_who_write(territory, users, client):
    client.force_login(users.street)
    page = client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert "导入摸底普查数据" in page.content.decode()
    changelist = client.get(reverse("admin:residents_household_changelist"))
    assert reverse(IMPORT_URL) in changelist.content.decode()


def test_a_district_official_gets_403_and_no_button(territory, users, client):
    client.force_login(users.official)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert (
        client.post(
            reverse(IMPORT_URL), {"file": SimpleUploadedFile("c.csv", csv_bytes(good_rows(1)))}
        ).status_code
        == 403
    )
    changelist = client.get(reverse("admin:residents_household_changelist"))
    assert changelist.status_code == 200
    assert reverse(IMPORT_URL) not in changelist.content.decode()
    assert not Household.objects.filter(building__name="2栋").exists()


def test_an_upload_imports_and_reports_the_counts(territory, users, client):
    client.force_login(users.community)
    response = upload(client, csv_bytes(good_rows(3)))
    assert response.redirect_chain[-1][0] == reverse("admin:residents_household_changelist")
    content = response.content.decode()
    assert "导入成功" in content and "新增3" in content
    assert Household.objects.filter(building__name="2栋").count() == 3


def test_an_upload_with_errors_shows_the_table_and_writes_nothing(territory, users, client):
    client.force_login(users.community)
    rows = good_rows(3)
    rows[1]["floor_area"] = "0"
    rows[2]["community"] = "东风社区"
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 200
    table = response.content.decode()
    assert 'id="census-problems"' in table
    assert "第3行" in table and "面积必须大于0" in table
    assert "第4行" in table and "不在您的辖区内" in table
    assert not Household.objects.filter(building__name="2栋").exists()


def test_an_upload_of_another_kind_of_file_is_refused(territory, users, client):
    client.force_login(users.street)
    response = upload(client, b"hello", name="census.txt")
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()
    assert not AuditEntry.objects.filter(action="census_import").exists()


# --- the command ---------------------------------------------------------------------------------


def test_the_command_imports_a_file(sample_territory, capsys):
    out = io.StringIO()
    call_command("import_census", str(SAMPLE), stdout=out)
    assert "新增48" in out.getvalue()
    assert Household.objects.filter(neighbourhood__name__startswith="新华中路").count() == 48


def test_the_command_fails_on_a_bad_file_and_prints_every_problem(territory, tmp_path):
    rows = good_rows(3)
    rows[0]["built_year"] = "1800"
    rows[2]["phone"] = "123"
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_census", str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert "第2行 [建成年份] 建成年份应在1900年" in lines[0]
    assert lines[1].startswith("第4行 [联系电话] ")
    assert not Household.objects.filter(building__name="2栋").exists()


def test_the_command_as_a_user_is_scoped(territory, users, tmp_path):
    path = tmp_path / "other.csv"
    path.write_bytes(csv_bytes([row(community="东风社区", neighbourhood="东风里")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_census", str(path), "--as", users.community.username, stderr=err)
    assert "辖区" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("import_census", str(path), "--as", "no-such-user")


def test_csv_rows_shorter_or_longer_than_the_header(territory):
    # The validator's fast path takes rows as long as the header; the others are read cell by cell.
    short = [row(room="101")[key] for key in EN][:-1]  # no phone cell at all
    long = [*(row(room="102", owner_id_number=valid_id(2))[key] for key in EN), "多余"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([EN, short, long])
    result = census_import(file=io.BytesIO(out.getvalue().encode()), actor=SYSTEM_ACTOR)
    assert tallies(result)["households"] == (2, 0, 0)
    phones = dict(Household.objects.filter(building__name="2栋").values_list("room", "phone"))
    assert phones == {"101": "", "102": "13800000001"}
