"""Issue 11, item 1 (a): every money input is bounded (governance.bounds) so that no product of
them can overflow its column; the refusal names the field and the bound, from the API, the admin
and the services alike (the bounds are validators of the model fields)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from governance.bounds import MAX_AMOUNT, MAX_HOUSEHOLD_AREA, MAX_QUANTITY, MAX_UNIT_COST
from projects.models import CatalogueItem, Project, ScopeItem
from residents.models import Household
from tests.projects.factories import ProjectFactory
from tests.projects.helpers import project_api_body

pytestmark = pytest.mark.django_db


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_project_budget_above_the_bound_is_refused(users, territory):
    body = project_api_body(territory, "BIG-1", "巨额项目", "999999999999.99")
    response = _api(users.street).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert response.json()["budget"] == [f"概算不能超过 {MAX_AMOUNT:,}元，现为 999999999999.99。"]
    assert not Project.objects.filter(code="BIG-1").exists()


def test_a_line_of_works_whose_product_is_too_large_is_refused(users, territory):
    project = ProjectFactory(code="P1", lead_street=territory.s1, neighbourhoods=[territory.n111])
    line = {
        "project": project.pk,
        "neighbourhood": territory.n111.pk,
        "catalogue_item": CatalogueItem.objects.get(code="roads").pk,
        "planned_quantity": str(MAX_QUANTITY),
        "unit_cost": str(MAX_UNIT_COST),
    }
    api = _api(users.street)
    response = api.post("/api/v1/scope-items/", line, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["planned_amount"][0].startswith(f"计划金额（工程量×单价）不能超过 {MAX_AMOUNT:,}元")
    response = api.post("/api/v1/scope-items/", {**line, "unit_cost": "100000000.01"}, format="json")
    assert response.status_code == 400 and "单价不能超过 100,000,000.00元" in response.json()["unit_cost"][0]
    response = api.post("/api/v1/scope-items/", {**line, "planned_quantity": "10000000.01"}, format="json")
    assert response.status_code == 400
    assert "计划工程量不能超过 10,000,000.00" in response.json()["planned_quantity"][0]
    assert not ScopeItem.objects.exists()
    response = api.post("/api/v1/scope-items/", {**line, "unit_cost": "1000.00"}, format="json")
    assert response.status_code == 201 and response.json()["planned_amount"] == "10000000000.00"


def test_an_arrangements_fee_above_the_bound_is_refused(users, territory):
    response = _api(users.community).post(
        "/api/v1/management-arrangements/",
        {
            "neighbourhood": territory.n111.pk,
            "mode": "self_managed",
            "started_on": "2024-01-01",
            "fee_per_m2_month": "999999.99",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "物业费不能超过 100.00元/平方米·月" in response.json()["fee_per_m2_month"][0]


def test_a_households_area_above_the_bound_is_refused(territory):
    household = Household.objects.filter(building__neighbourhood=territory.n111).first()
    household.floor_area = MAX_HOUSEHOLD_AREA + 1
    with pytest.raises(ValidationError) as refused:
        household.full_clean()
    assert refused.value.message_dict["floor_area"] == ["登记面积不能超过 10,000.00平方米，现为 10001.00。"]


def test_the_admin_refuses_a_budget_above_the_bound(client, users, territory):
    client.force_login(users.superuser)
    response = client.post(
        "/admin/projects/project/add/",
        {
            "code": "BIG-2",
            "name": "巨额项目",
            "year": "2026",
            "lead_street": territory.s1.pk,
            "neighbourhoods": [territory.n111.pk],
            "budget": "99999999999.00",
        },
    )
    assert response.status_code == 200
    assert "概算不能超过 10,000,000,000.00元" in response.content.decode()
    assert not Project.objects.filter(code="BIG-2").exists()
    assert Decimal("99999999999.00") > MAX_AMOUNT
