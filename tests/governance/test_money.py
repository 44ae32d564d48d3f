"""One written form of money (governance.money.yuan, the `yuan` template filter): two decimals,
thousands separated, the unit; and the pages that show it: admin list columns, read-only fields
and inlines (every field marked money_field), the funding panels and the public income page."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.translation import override

from governance.money import yuan
from projects.models import Project
from tests.funding.conftest import commit, make_source, pay, record_income
from tests.projects.factories import ProjectFactory
from tests.projects.helpers import scope_line


@pytest.mark.parametrize(
    "value, text",
    [
        (Decimal("8814144.60000000"), "8,814,144.60 元"),
        (3664521, "3,664,521.00 元"),
        ("1234.5", "1,234.50 元"),
        (Decimal("-1234.5"), "-1,234.50 元"),
        (Decimal("-8814144.6"), "-8,814,144.60 元"),
        (Decimal("0"), "0.00 元"),
        (Decimal("-0.00"), "0.00 元"),
        (Decimal("-0.004"), "0.00 元"),
        (Decimal("0.005"), "0.01 元"),  # half up, to the cent
        (Decimal("2.675"), "2.68 元"),
        (Decimal("999.994"), "999.99 元"),
        (Decimal("999999.995"), "1,000,000.00 元"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_yuan_writes_one_form(value, text):
    assert yuan(value) == text


@pytest.mark.parametrize("value", [1.5, "abc", Decimal("NaN"), Decimal("Infinity")])
def test_yuan_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValueError):
        yuan(value)


def test_the_filter_and_the_english_unit():
    template = Template("{% load money %}{{ a|yuan }}|{{ b|yuan }}")
    assert template.render(Context({"a": Decimal("8814144.6"), "b": None})) == "8,814,144.60 元|—"
    with override("en"):
        assert yuan(Decimal("-5")) == "-5.00 yuan"


@pytest.fixture
def money_rows(db, territory, users):
    project = ProjectFactory(
        code="P1", lead_street=territory.s1, neighbourhoods=[territory.n111], budget=Decimal("8814144.60")
    )
    source = make_source(territory, held="3664521")
    commitment = commit(source, project, "1250000.50", users.street)
    pay(commitment, "99999.99", users.street, "PZ-7")
    return project, source, commitment


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_admin_lists_show_money(client, users, money_rows):
    project, source, commitment = money_rows
    sources = page(client, users.street, reverse("admin:funding_fundingsource_changelist"))
    assert "3,664,521.00 元" in sources and "1,250,000.50 元" in sources  # held, and committed (annotated)
    assert "3664521" not in sources
    commitments = page(client, users.street, reverse("admin:funding_commitment_changelist"))
    assert '<td class="field-amount">1,250,000.50 元</td>' in commitments and "99,999.99 元" in commitments
    projects = page(client, users.official, reverse("admin:projects_project_changelist"))
    assert "8,814,144.60 元" in projects and "8814144.60" not in projects


def test_read_only_fields_and_inlines_show_money(client, users, money_rows):
    project, source, commitment = money_rows
    # A commitment is never edited: its page is read-only, the disbursements inline too.
    html = page(client, users.street, reverse("admin:funding_commitment_change", args=[commitment.pk]))
    assert "1,250,000.50 元" in html and "99,999.99 元" in html
    assert "1250000.50" not in html
    # The district official reads the project page: the budget written as money, no input.
    html = page(client, users.official, reverse("admin:projects_project_change", args=[project.pk]))
    assert "8,814,144.60 元" in html and 'name="budget"' not in html
    # Street staff edit the budget: the input keeps the plain number.
    html = page(client, users.street, reverse("admin:projects_project_change", args=[project.pk]))
    assert 'name="budget" value="8814144.60"' in html


def test_a_scope_line_s_planned_amount_is_money(client, users, territory):
    project = ProjectFactory(code="P9", lead_street=territory.s1, neighbourhoods=[territory.n111])
    scope_line(project, territory.n111, "roads", "333.33", "180.00")  # planned 59,999.40
    html = page(client, users.street, reverse("admin:projects_project_change", args=[project.pk]))
    assert "59,999.40 元" in html  # the inline's read-only planned amount
    assert Project.objects.count() == 1


def test_funding_panel_and_public_income_page(client, users, territory, money_rows):
    project, source, commitment = money_rows
    html = page(client, users.street, reverse("admin:funding_project_funding", args=[project.pk]))
    assert "8,814,144.60 元" in html and "1,250,000.50 元" in html and "7,564,144.10 元" in html
    record_income(territory.n111, "12345.60", users.community, use="道路修补")
    client.logout()
    html = client.get(reverse("funding:public_income", args=[territory.n111.pk])).content.decode()
    assert "共 1 笔，合计 12,345.60 元。" in html and '<span class="money">12,345.60 元</span>' in html
    assert "元 元" not in html
