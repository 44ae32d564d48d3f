"""Every CSV and Excel export is safe to open (issue 11, item 4): one helper (governance.exports)
writes them all, text that a spreadsheet would run as a formula is neutralised, numbers stay
numbers, and each export of the project is opened here with hostile text in it."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from governance.exports import safe_cell, table_csv, table_xlsx
from residents.models import Household

# The probe's payload (it came out of the household-code CSV as a formula) and its relatives.
DDE = "-2+3+cmd|' /C calc'!A0"
HOSTILE = [DDE, "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "@SUM(1+1)", "\t=1", "\r=1", "＝1+1", "－1"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "value, expected",
    [
        (DDE, "'" + DDE),
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-", "'-"),
        ("-5", "'-5"),  # text that looks like a number is still text: a cell of text stays text
        ("@me", "'@me"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("＝1", "'＝1"),
        ("新华里", "新华里"),
        ("a=1", "a=1"),
        ("", ""),
        (None, ""),
        (Decimal("-12.50"), Decimal("-12.50")),
        (-3, -3),
        (0, 0),
        (gettext_lazy("填空"), "填空"),
        (datetime.date(2026, 1, 2), datetime.date(2026, 1, 2)),
    ],
)
def test_safe_cell(value, expected):
    result = safe_cell(value)
    assert result == expected and type(result) is type(expected)


def test_an_aware_datetime_is_written_in_local_time():
    moment = datetime.datetime(2026, 1, 1, 16, 30, tzinfo=datetime.timezone.utc)
    assert safe_cell(moment) == datetime.datetime(2026, 1, 2, 0, 30)


def test_csv_and_excel_neutralise_text_and_keep_numbers():
    headers = ["名称", "金额", "=表头"]
    rows = [[text, Decimal("-1.50"), -2] for text in HOSTILE]
    text = table_csv(headers, rows).decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert parsed[0] == ["名称", "金额", "'=表头"]
    for line, hostile in zip(parsed[1:], HOSTILE):
        assert line == ["'" + hostile, "-1.50", "-2"]
    sheet = load_workbook(io.BytesIO(table_xlsx(headers, rows, "表/一:二"))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["名称", "金额", "'=表头"]
    for line, hostile in zip(values[1:], HOSTILE):
        # XML reads a carriage return back as a line feed.
        assert line == ["'" + hostile.replace("\r", "\n"), -1.5, -2]
    # No cell is a formula; the numbers are numbers.
    for row in sheet.iter_rows(min_row=2):
        assert [c.data_type for c in row] == ["s", "n", "n"]


def test_every_export_of_the_project_goes_through_the_one_helper():
    """A CSV or Excel writer anywhere else in the code is an export that escapes the checks.
    bench/ writes a generated census file as benchmark input, which is not an export; the bulk
    loader (governance.bulk, which the census import uses too) writes CSV only as the text of
    PostgreSQL's COPY into our own tables (never a file a person opens), where neutralising a
    cell would change the stored value."""
    writer = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|xlsxwriter")
    copy_loaders = {Path("governance/bulk.py")}
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests", "bench", "test-artifacts", "node_modules"):
            continue
        if relative == Path("governance/exports.py") or relative in copy_loaders:
            continue
        if writer.search(path.read_text(encoding="utf-8")):
            offenders.append(str(relative))
    assert offenders == []


# ---- each export, opened ------------------------------------------------------------------


def _csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def _xlsx_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(response.content)).active
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row)
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _no_raw_formula(rows):
    for row in rows:
        for cell in row:
            if isinstance(cell, str):
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.django_db
def test_household_codes_csv(client, territory, users):
    household = Household.objects.filter(neighbourhood=territory.n111).select_related("building", "stairwell")[0]
    household.building.name = DDE
    household.building.save()
    household.stairwell.name = "@SUM(1+1)"
    household.stairwell.save()
    household.room = "=1+1"
    household.save()
    client.force_login(users.community)
    response = client.post(
        reverse("admin:governance_neighbourhood_access_codes"), {"ids": [territory.n111.pk], "output": "csv"}
    )
    rows = _csv_rows(response)
    _no_raw_formula(rows)
    assert rows[0] == ["小区", "楼栋", "单元", "房号", "户码"]
    assert ["新华里", "'" + DDE, "'@SUM(1+1)", "'=1+1"] in [row[:4] for row in rows]


@pytest.mark.django_db
def test_household_codes_csv_of_the_household_action(client, territory, users):
    household = Household.objects.filter(neighbourhood=territory.n111)[0]
    household.room = "+1-1"
    household.save()
    client.force_login(users.community)
    response = client.post(
        reverse("admin:residents_household_changelist"),
        {"action": "reissue_access_codes", "_selected_action": [household.pk], "confirm": "yes", "output": "csv"},
    )
    rows = _csv_rows(response)
    _no_raw_formula(rows)
    assert rows[1][3] == "'+1-1"


@pytest.fixture
def hostile_demand(territory, users, settings, tmp_path):
    from surveys.services import demand_submit
    from tests.projects.factories import CatalogueItemFactory
    from tests.surveys.helpers import collecting_project

    settings.MEDIA_ROOT = tmp_path
    project, process, lists = collecting_project(territory, users.community)
    item = CatalogueItemFactory(code="hostile", name=DDE, district=territory.district)
    demand_list = lists[territory.n111.pk]
    demand_list.neighbourhood.name = "=新华里"
    demand_list.neighbourhood.save()
    for household in territory.n111.households.all()[:2]:
        demand_submit(demand_list=demand_list, household=household, items=[item])
    return demand_list


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["", "?scope=project"])
def test_demand_aggregate_csv_and_excel(client, users, hostile_demand, scope):
    client.force_login(users.community)
    url = reverse("admin:surveys_demandlist_export", args=[hostile_demand.pk, "csv"]) + scope
    rows = _csv_rows(client.get(url))
    _no_raw_formula(rows)
    assert rows[1][2] == "'" + DDE and rows[1][3] == "2"
    url = reverse("admin:surveys_demandlist_export", args=[hostile_demand.pk, "xlsx"]) + scope
    rows = _xlsx_rows(client.get(url))
    _no_raw_formula(rows)
    assert rows[1][:5] == [1, "基础类", "'" + DDE, 2, 50]
    if not scope:
        assert rows[1][5] == "'=新华里"


@pytest.mark.django_db
def test_questionnaire_results_csv_and_excel(client, territory, users):
    """The Excel export answered 500 (a lazy translation, 填空, handed to openpyxl)."""
    from surveys.choices import QuestionKind
    from surveys.models import Question
    from surveys.services import response_submit
    from tests.surveys.helpers import saved_questionnaire

    questions = [
        (Question(text="+您的意见", kind=QuestionKind.SINGLE), ["-同意", "@反对"]),
        (Question(text="满意吗", kind=QuestionKind.SCALE), []),
        (Question(text="其他建议", kind=QuestionKind.TEXT, required=False), []),
    ]
    q = saved_questionnaire(territory.n111, users.community, questions, opened=True)
    questions = list(q.questions.order_by("order"))
    options = list(questions[0].options.order_by("order"))
    for household, score in zip(territory.n111.households.order_by("pk")[:2], (2, 5)):
        response_submit(
            questionnaire=q,
            household=household,
            answers={questions[0].pk: options[0].pk, questions[1].pk: score, questions[2].pk: DDE},
        )
    client.force_login(users.community)
    rows = _csv_rows(client.get(reverse("admin:surveys_questionnaire_export", args=[q.pk, "csv"])))
    _no_raw_formula(rows)
    assert ["1", "'+您的意见", "单选", "'-同意", "2", "100.0"] in rows
    assert ["3", "其他建议", "填空", "'" + DDE, "1", ""] in rows
    rows = _xlsx_rows(client.get(reverse("admin:surveys_questionnaire_export", args=[q.pk, "xlsx"])))
    _no_raw_formula(rows)
    assert rows[0] == ["题号", "题目", "题型", "选项/分值", "人数", "占答题户比例(%)"]
    assert [1, "'+您的意见", "单选", "'-同意", 2, 100] in rows
    assert [2, "满意吗", "1–5分评价", "平均分", 2, 3.5] in rows
    assert [3, "其他建议", "填空", "'" + DDE, 1, None] in rows  # an empty cell reads back as None
