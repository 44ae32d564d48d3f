"""The funding admin (scoped lists, adds through the services with refusals shown, the project
funding page, a plan's schedule), the management admin, and the public income page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from funding.choices import IncomeKind
from funding.models import Commitment, Disbursement, SubsidyPlan
from funding.services import commitment_create, subsidies_run
from governance.models import Assessment, ManagementArrangement
from tests.factories import provider_of

from .conftest import DAY, make_source, record_income
from .subsidy_helpers import arrangement_admin_data, assess, plan

pytestmark = pytest.mark.django_db


def test_commitment_add_refused_over_the_source_shows_the_figures(client, users, project, source):
    client.force_login(users.street)
    url = reverse("admin:funding_commitment_add")
    data = {
        "source": source.pk,
        "project": project.pk,
        "amount": "900000.00",
        "committed_on": "2025-03-01",
        "document_number": "甜财建〔2025〕1号",
        "conditions": "",
        "disbursements-TOTAL_FORMS": "0",
        "disbursements-INITIAL_FORMS": "0",
    }
    response = client.post(url, data, follow=True)
    assert "承诺金额 900,000.00 元超过" in response.content.decode()
    assert not Commitment.objects.exists()
    response = client.post(url, {**data, "amount": "800000.00"})
    assert response.status_code == 302
    assert Commitment.objects.get().amount == Decimal("800000.00")


def test_disbursement_add_goes_through_the_service(client, users, project, source):
    commitment = commitment_create(
        source=source, project=project, amount="100.00", committed_on=DAY, actor=users.street
    )
    client.force_login(users.street)
    url = reverse("admin:funding_disbursement_add")
    data = {
        "commitment": commitment.pk,
        "amount": "100.01",
        "paid_on": "2025-03-02",
        "payee": "甜城建工",
        "voucher_number": "PZ-1",
    }
    assert "超过该承诺尚未拨付的 100.00 元" in client.post(url, data, follow=True).content.decode()
    assert client.post(url, {**data, "amount": "100.00"}).status_code == 302
    assert Disbursement.objects.get().voucher_number == "PZ-1"


def test_project_funding_page_is_scoped(client, users, territory, project, source):
    commitment_create(
        source=source, project=project, amount="250000.00", committed_on=DAY, actor=users.street
    )
    url = reverse("admin:funding_project_funding", args=[project.pk])
    client.force_login(users.community)  # n111 is in C11: the project is visible
    page = client.get(url).content.decode()
    assert "250,000.00" in page and "750,000.00" in page and "区级财政资金" in page
    client.force_login(users.street)
    assert client.get(reverse("admin:funding_commitment_changelist")).status_code == 200
    from tests.factories import staff_user
    from governance.choices import RoleKind

    client.force_login(staff_user(RoleKind.STREET_STAFF, territory.s2))
    assert client.get(url).status_code == 404


def test_source_list_is_scoped_by_street(client, users, territory):
    make_source(territory, name="玉溪街道资金")
    make_source(territory, name="桂湖街道资金", street="s2")
    make_source(territory, name="区级统筹资金", street=None)
    client.force_login(users.street)
    page = client.get(reverse("admin:funding_fundingsource_changelist")).content.decode()
    assert "玉溪街道资金" in page and "桂湖街道资金" not in page and "区级统筹资金" not in page
    client.force_login(users.official)
    page = client.get(reverse("admin:funding_fundingsource_changelist")).content.decode()
    assert "玉溪街道资金" in page and "桂湖街道资金" in page and "区级统筹资金" in page


def test_plan_add_and_its_schedule_page(client, users, territory):
    client.force_login(users.street)
    plan(territory.n121, users.street)  # creates an arrangement for n121 through the helper
    arrangement = ManagementArrangement.objects.get(neighbourhood=territory.n121)
    url = reverse("admin:funding_subsidyplan_add")
    data = {
        "neighbourhood": territory.n121.pk,
        "arrangement": arrangement.pk,
        "name": "东风里物业补贴",
        "area": "5000.00",
        "start_on": "2024-01-01",
        "rates_rows-0-rate": "1.20",
        "rates_rows-1-rate": "1.50",
        "payers_text": "区财政局:75\n市财政局:25",
        "bands_rows-0-min_score": "80",
        "bands_rows-0-max_score": "100",
        "bands_rows-0-percent": "100",
        "bands_rows-1-min_score": "70",
        "bands_rows-1-max_score": "80",
        "bands_rows-1-percent": "80",
    }
    response = client.post(url, data, follow=True)
    assert "第2年的补贴标准 1.50" in response.content.decode()
    assert client.post(url, {**data, "rates_rows-1-rate": "0.60"}).status_code == 302
    created = SubsidyPlan.objects.get(name="东风里物业补贴")
    assert [p.payer_name for p in created.payers.order_by("order")] == ["区财政局", "市财政局"]
    assess(created, 2024, "85", users.street)
    subsidies_run(today=datetime.date(2025, 1, 1))
    page = client.get(reverse("admin:funding_subsidyplan_change", args=[created.pk])).content.decode()
    assert "第1年" in page and "第2年" in page and "已发放" in page and "待到期" in page
    assert (
        "2024年度考核 85.00 分（考核期 2024-01-01 至 2024-12-31，街道考核组）" in page
        and "6,000.00" in page
        and "区财政局 4,500.00" in page
    )


def test_arrangement_and_assessment_admin(client, users, territory):
    client.force_login(users.community)
    url = reverse("admin:governance_managementarrangement_add")
    data = arrangement_admin_data(territory.n111)
    response = client.post(url, data, follow=True)
    assert "专业化物业须选择物业服务单位" in response.content.decode()
    assert client.post(url, {**data, "provider": provider_of(territory.n111, "安居物业").pk}).status_code == 302
    assert client.post(url, {**data, "mode": "self_managed", "started_on": "2025-01-01"}).status_code == 302
    rows = list(ManagementArrangement.objects.filter(neighbourhood=territory.n111).order_by("started_on"))
    assert [(r.mode, r.ended_on) for r in rows] == [
        ("professional", datetime.date(2024, 12, 31)),
        ("self_managed", None),
    ]
    response = client.post(
        reverse("admin:governance_assessment_add"),
        {
            "arrangement": rows[1].pk,
            "year": "2025",
            "score": "88.5",
            "items_text": "收费率=18\n安全=25",
            "assessor": "街道考核组",
            "assessed_at_0": "2025-12-20",
            "assessed_at_1": "10:00:00",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert Assessment.objects.get().items == {"收费率": "18", "安全": "25"}
    client.force_login(users.official)  # district officials read only
    assert client.get(url).status_code == 403


def test_public_income_page_shows_no_personal_data(client, users, territory):
    for kind, amount in [(IncomeKind.PARKING, "12000.00"), (IncomeKind.ADVERTISING, "3500.50")]:
        record_income(territory.n111, amount, users.community, use="补充住宅专项维修资金", kind=kind)
    response = client.get(reverse("funding:public_income", args=[territory.n111.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "停车收益" in page
        and "12,000.00" in page
        and "合计 15,500.50 元" in page
        and "补充住宅专项维修资金" in page
    )
    assert users.community.username not in page
    assert client.get(reverse("funding:public_income", args=[999999])).status_code == 404
    assert (
        "暂无公共收益"
        in client.get(reverse("funding:public_income", args=[territory.n121.pk])).content.decode()
    )
    # The neighbourhood's public page shows the income too (a section funding registers there).
    page = client.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    assert 'id="public-income"' in page and "合计 15,500.50 元" in page and "停车收益" in page
    assert users.community.username not in page
    page = client.get(reverse("projects:neighbourhood", args=[territory.n121.pk])).content.decode()
    assert 'id="public-income"' not in page  # nothing recorded: no section


def test_street_staff_add_a_source_of_their_street_only(client, users, territory):
    from funding.models import FundingSource

    client.force_login(users.street)
    url = reverse("admin:funding_fundingsource_add")
    data = {
        "name": "玉溪街道配套资金",
        "kind": "district_budget",
        "provider": "甜城区财政局",
        "amount_held": "500000.00",
        "district": territory.district.pk,
        "street": territory.s1.pk,
        "document_number": "",
        "note": "",
    }
    assert client.post(url, data).status_code == 302
    assert FundingSource.objects.get().street == territory.s1
    response = client.post(url, {**data, "name": "区级统筹", "street": ""})  # district-wide: superusers only
    assert response.status_code == 403
    assert FundingSource.objects.count() == 1


def test_public_income_page_and_plan_schedule_take_fixed_queries(
    client, users, territory, django_assert_num_queries
):
    from funding.selectors import plan_schedule

    for month in range(1, 7):
        period = (datetime.date(2025, month, 1), datetime.date(2025, month, 28))
        record_income(territory.n111, "100.00", users.community, kind=IncomeKind.LOCKERS, period=period)
    with django_assert_num_queries(2):  # the neighbourhood, the rows
        client.get(reverse("funding:public_income", args=[territory.n111.pk]))
    p = plan(territory.n111, users.street, rates=["1.00", "0.90", "0.80", "0.70"])
    for year in (2024, 2025):
        assess(p, year, "90", users.street)
    subsidies_run(today=datetime.date(2026, 1, 1))
    with django_assert_num_queries(3):  # installments with their assessments, payments, payers
        rows = plan_schedule(p)
        [pay.payer.payer_name for row in rows for pay in row.payments.all()]


@pytest.mark.parametrize("who", ["superuser", "street", "official"])
def test_every_funding_admin_page_renders(client, users, territory, project, source, who):
    p = plan(territory.n111, users.street)
    assess(p, 2024, "90", users.street)
    commitment = commitment_create(
        source=source, project=project, amount="10.00", committed_on=DAY, actor=users.street
    )
    subsidies_run(today=datetime.date(2025, 1, 1))
    client.force_login(getattr(users, who))
    models = [
        "fundingsource",
        "commitment",
        "disbursement",
        "publicincome",
        "subsidyplan",
        "subsidyinstallment",
    ]
    for name in models:
        assert client.get(reverse(f"admin:funding_{name}_changelist")).status_code == 200, name
    for name in ["managementarrangement", "assessment"]:
        assert client.get(reverse(f"admin:governance_{name}_changelist")).status_code == 200, name
    installment = p.installments.get(year=1)
    for url in [
        reverse("admin:funding_subsidyplan_change", args=[p.pk]),
        reverse("admin:funding_subsidyinstallment_change", args=[installment.pk]),
        reverse("admin:funding_commitment_change", args=[commitment.pk]),
        reverse("admin:governance_managementarrangement_change", args=[p.arrangement_id]),
        reverse("admin:funding_project_funding", args=[project.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    expected = 403 if who == "official" else 200
    for name in [
        "funding_fundingsource",
        "funding_commitment",
        "funding_subsidyplan",
        "governance_assessment",
    ]:
        assert client.get(reverse(f"admin:{name}_add")).status_code == expected, name


def test_money_and_arrangements_are_corrected_through_services_never_deleted(
    client, users, territory, source
):
    """A source and a public income are corrected (audited), never deleted; an arrangement's note is
    its only field changed afterwards, through the service and with an audit row."""
    from governance.models import AuditEntry

    from .subsidy_helpers import arrangement

    income = record_income(territory.n111, "100.00", users.street)
    row = arrangement(territory.n111, users.street)
    client.force_login(users.street)
    for name, pk in [("funding_fundingsource", source.pk), ("funding_publicincome", income.pk)]:
        assert client.get(reverse(f"admin:{name}_delete", args=[pk])).status_code == 403, name
        changelist = client.get(reverse(f"admin:{name}_changelist")).content.decode()
        assert 'value="delete_selected"' not in changelist, name
    url = reverse("admin:governance_managementarrangement_change", args=[row.pk])
    data = {
        "note": "2025年起物业费改为季度收取",
        "assessments-TOTAL_FORMS": "0",
        "assessments-INITIAL_FORMS": "0",
    }
    assert client.post(url, data).status_code == 302
    row.refresh_from_db()
    assert (
        row.note == "2025年起物业费改为季度收取" and row.provider.name == "安居物业公司" and row.ended_on is None
    )
    entry = AuditEntry.objects.get(action="arrangement_note_change")
    assert entry.target_id == str(row.pk) and entry.actor == users.street
