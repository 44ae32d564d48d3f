"""The server errors the probe found (issue 11, item 5): each answered 500; each now answers a page
or a 400 that names what is wrong."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from governance.api.parsers import MAX_JSON_DEPTH, json_depth_exceeds
from projects.models import CatalogueItem
from tests.funding.subsidy_helpers import arrangement, plan_api_body
from tests.projects.factories import ProjectFactory
from tests.projects.helpers import scope_line

pytestmark = pytest.mark.django_db


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


# ---- the Excel export of questionnaire results -------------------------------------------


def test_questionnaire_results_export_to_excel_with_a_text_question(client, territory, users):
    """`Cannot convert '填空' to Excel`: the kind's label, a lazy translation, reached openpyxl."""
    from surveys.choices import QuestionKind
    from surveys.models import Question
    from tests.surveys.helpers import saved_questionnaire

    q = saved_questionnaire(
        territory.n111, users.community, [(Question(text="其他建议", kind=QuestionKind.TEXT, required=False), [])]
    )
    client.force_login(users.community)
    response = client.get(reverse("admin:surveys_questionnaire_export", args=[q.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["C1"].value == "题型"


# ---- a scope item's admin page opened by the district official ---------------------------


def test_the_district_official_opens_a_scope_item_and_its_project(client, territory, users):
    """`KeyError 'unit_cost'`: the read-only page has no unit_cost field to make optional."""
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    national = CatalogueItem.objects.filter(district=None).order_by("code").first()
    item = scope_line(project, territory.n111, national, "2", "150.00")
    client.force_login(users.official)
    response = client.get(reverse("admin:projects_scopeitem_change", args=[item.pk]))
    assert response.status_code == 200
    assert "150.00" in response.content.decode()
    response = client.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert response.status_code == 200
    # The staff who manage it still get the editable page with the optional unit cost.
    client.force_login(users.community)
    response = client.get(reverse("admin:projects_scopeitem_change", args=[item.pk]))
    assert response.status_code == 200
    assert not response.context["adminform"].form.fields["unit_cost"].required


# ---- JSON bodies nested too deep ----------------------------------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000, MAX_JSON_DEPTH + 1])
@pytest.mark.parametrize("bracket", ["[]", "{}"])
def test_a_json_body_nested_too_deep_is_refused_with_400(users, depth, bracket):
    """`RecursionError` in the parser at 1,000 levels: refused at the limit of 32, deeper or not."""
    opening, closing = bracket
    if opening == "{":
        body = '{"a":' * depth + "1" + "}" * depth
    else:
        body = "[" * depth + "]" * depth
    response = _api(users.street).post("/api/v1/commitments/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套不能超过32层" in response.json()["detail"]


def test_json_depth_is_counted_from_the_outermost_container():
    assert not json_depth_exceeds(1)
    assert not json_depth_exceeds({"a": [1, {"b": []}]}, limit=4)
    assert json_depth_exceeds({"a": [1, {"b": [[]]}]}, limit=4)
    nested = []
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert not json_depth_exceeds(nested) and json_depth_exceeds([nested])


def test_a_body_within_the_depth_reaches_the_view(users):
    body = '{"amount": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    response = _api(users.street).post("/api/v1/commitments/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "amount" in response.json() and "detail" not in response.json()


# ---- subsidy plans starting in year 9999 or running 100,000 years ---------------------------


@pytest.fixture
def plan_body(territory, users):
    return plan_api_body(territory, users)


@pytest.mark.parametrize("start_on", ["9999-01-01", "9999-12-31", "0001-01-01", "2101-01-01"])
def test_a_plan_starting_outside_the_date_window_is_refused(users, plan_body, start_on):
    """`year out of range`: the plan's years were computed past year 9999."""
    response = _api(users.street).post("/api/v1/subsidy-plans/", {**plan_body, "start_on": start_on}, format="json")
    assert response.status_code == 400
    assert "超出允许范围（1900-01-01 至 2100-12-31）" in response.json()["start_on"][0]


@pytest.mark.parametrize("years", [11, 100_000])
def test_a_plan_of_too_many_years_is_refused(users, plan_body, years):
    body = {**plan_body, "rates": ["0.50"] * years}
    response = _api(users.street).post("/api/v1/subsidy-plans/", body, format="json")
    assert response.status_code == 400
    assert "10" in response.json()["rates"][0]


def test_the_plan_service_bounds_its_start_and_years(territory, users):
    from funding.services import PLAN_MAX_YEARS, subsidy_plan_create

    current = arrangement(territory.n111, users.street)
    kwargs = dict(
        neighbourhood=territory.n111,
        arrangement=current,
        area=Decimal("100"),
        payers=[{"source": None, "payer_name": "区财政局", "share": "100"}],
        actor=users.street,
    )
    with pytest.raises(ValidationError) as info:
        subsidy_plan_create(**kwargs, start_on=datetime.date(9999, 1, 1), rates=["1.00"])
    assert "start_on" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        subsidy_plan_create(**kwargs, start_on=datetime.date(2024, 1, 1), rates=["1.00"] * (PLAN_MAX_YEARS + 1))
    assert "补贴年限最多10年" in info.value.message_dict["rates"][0]
    last = subsidy_plan_create(
        **kwargs, start_on=datetime.date(2100, 12, 31), rates=["1.00"] * PLAN_MAX_YEARS
    )
    assert last.ends_on == datetime.date(2110, 12, 31)
