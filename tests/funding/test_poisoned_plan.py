"""Issue 11, item 1: one plan never stops every subsidy of the platform.

(a) Money inputs are bounded (governance.bounds) so that no product of them overflows its column:
the plan of the probe (area 9,999,999,999.99, rate 9,999.9999) is refused with the field and the
bound named, through the API, the service and the admin's form.
(b) The daily run isolates a plan it cannot decide or pay: a poisoned plan written past the
validation (queryset.update, raw SQL) is withheld with its `run_error`, shown in the admin, and
every other plan is paid exactly once. On PostgreSQL the probe's plan made the batch's UPDATE fail
with `numeric field overflow`; a trigger refusing one row's write stands for any other error."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Sum
from rest_framework.test import APIClient

from funding.choices import InstallmentStatus as S
from funding.models import FundingSource, SubsidyInstallment, SubsidyPayment, SubsidyPlan
from funding.services import commitment_create, subsidies_run
from governance.bounds import MAX_AMOUNT, MAX_AREA, MAX_SUBSIDY_RATE
from governance.models import AuditEntry, Neighbourhood

from .subsidy_helpers import arrangement, assess, plan, plan_api_body

pytestmark = pytest.mark.django_db
RUN_DAY = datetime.date(2025, 1, 1)
HUGE_AREA, HUGE_RATE = Decimal("9999999999.99"), Decimal("9999.9999")


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_probes_plan_is_refused_by_the_api_naming_the_field_and_the_bound(users, territory):
    api, body = _api(users.street), plan_api_body(territory, users)
    response = api.post("/api/v1/subsidy-plans/", {**body, "area": str(HUGE_AREA)}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["area"] == [
        f"补贴面积不能超过 {MAX_AREA:,}平方米，现为 {HUGE_AREA}。"
    ]
    response = api.post("/api/v1/subsidy-plans/", {**body, "rates": [str(HUGE_RATE)]}, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["rates"][0]
    assert "第1年的补贴标准不能超过 1,000.0000元/平方米·年" in message and str(HUGE_RATE) in message
    # at the bounds: accepted, and the largest installment fits its column with room to spare
    response = api.post(
        "/api/v1/subsidy-plans/",
        {**body, "area": str(MAX_AREA), "rates": [str(MAX_SUBSIDY_RATE)]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert SubsidyPlan.objects.count() == 1


def test_the_admin_form_refuses_the_probes_plan(client, users, territory):
    client.force_login(users.street)
    current = arrangement(territory.n111, users.street)
    response = client.post(
        "/admin/funding/subsidyplan/add/",
        {
            "neighbourhood": territory.n111.pk,
            "arrangement": current.pk,
            "name": "",
            "area": str(HUGE_AREA),
            "start_on": "2024-01-01",
            "rates_rows": "1.00",
            "payers_text": "区财政局 100",
            "bands_rows": "80 1.00",
        },
    )
    assert response.status_code == 200
    assert "补贴面积不能超过 10,000,000.00平方米" in response.content.decode()
    assert not SubsidyPlan.objects.exists()


def test_amounts_of_funding_are_bounded(users, territory, project, source):
    too_much = MAX_AMOUNT + Decimal("0.01")
    with pytest.raises(ValidationError) as refused:
        commitment_create(
            source=source, project=project, amount=too_much, committed_on=RUN_DAY, actor=users.street
        )
    assert refused.value.message_dict["amount"] == [f"承诺金额不能超过 {MAX_AMOUNT:,}元，现为 {too_much}。"]
    response = _api(users.street).post(
        "/api/v1/funding-sources/",
        {
            "name": "巨额资金",
            "kind": "district_budget",
            "provider": "甜城区财政局",
            "amount_held": "999999999999.99",
            "district": territory.district.pk,
            "street": territory.s1.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "资金总额不能超过" in response.json()["amount_held"][0]
    assert not FundingSource.objects.filter(name="巨额资金").exists()


def _good_plans(territory, users, count=3):
    """`count` good plans of street S1, each assessed 90 for 2024."""
    plans = []
    extra = Neighbourhood.objects.create(community=territory.c11, name="测试小区甲", built_year=1990)
    for neighbourhood in (territory.n111, extra, territory.n121)[:count]:
        row = plan(neighbourhood, users.street, area="10000.00", rates=("1.20", "0.80"))
        assess(row, 2024, "90", users.street)
        plans.append(row)
    return plans


def _poison(plan_row):
    """The probe's figures, written past every validation."""
    SubsidyPlan.objects.filter(pk=plan_row.pk).update(area=HUGE_AREA)
    SubsidyInstallment.objects.filter(plan=plan_row).update(rate=HUGE_RATE)


def _assert_paid_once(plans):
    for row in plans:
        year1 = SubsidyInstallment.objects.get(plan=row, year=1)
        assert year1.status == S.PAID and year1.amount == Decimal("12000.00") and year1.run_error == ""
        lines = SubsidyPayment.objects.filter(installment=year1).aggregate(n=Count("id"), total=Sum("amount"))
        assert lines == {"n": 2, "total": Decimal("12000.00")}


def test_a_poisoned_plan_is_withheld_with_its_error_and_every_other_plan_is_paid(users, territory):
    first, poisoned, last = _good_plans(territory, users)
    _poison(poisoned)
    summary = subsidies_run(today=RUN_DAY)
    _assert_paid_once([first, last])
    bad = SubsidyInstallment.objects.get(plan=poisoned, year=1)
    assert bad.status == S.WITHHELD and bad.amount is None
    assert "超出可记录的上限 999,999,999,999.99 元" in bad.run_error
    assert not SubsidyPayment.objects.filter(installment__plan=poisoned).exists()
    assert summary["paid"] == 2 and summary["errors"] == 1
    assert "1 笔款项因数据错误暂缓" in AuditEntry.objects.get(action="subsidies_run").summary
    # the next runs pay nothing twice and keep the poisoned plan withheld
    subsidies_run(today=RUN_DAY)
    subsidies_run(today=RUN_DAY + datetime.timedelta(days=1))
    _assert_paid_once([first, last])
    assert SubsidyPayment.objects.count() == 4
    assert SubsidyInstallment.objects.get(pk=bad.pk).status == S.WITHHELD
    # once its figures are put right, the next run pays it, and its error is cleared
    assert SubsidyInstallment.objects.filter(plan=poisoned).update(rate=Decimal("1.20")) == 2
    SubsidyPlan.objects.filter(pk=poisoned.pk).update(area=Decimal("10000.00"))
    subsidies_run(today=RUN_DAY + datetime.timedelta(days=2))
    _assert_paid_once([first, poisoned, last])


def test_a_plan_without_payers_stays_released_with_its_error_and_the_others_are_paid(users, territory):
    first, poisoned, last = _good_plans(territory, users)
    poisoned.payers.all().delete()
    subsidies_run(today=RUN_DAY)
    _assert_paid_once([first, last])
    bad = SubsidyInstallment.objects.get(plan=poisoned, year=1)
    assert bad.status == S.RELEASED and "该补贴计划没有出资方" in bad.run_error


def test_the_admin_shows_the_error_to_staff(client, users, territory):
    _first, poisoned, _last = _good_plans(territory, users)
    _poison(poisoned)
    subsidies_run(today=RUN_DAY)
    client.force_login(users.street)
    page = client.get("/admin/funding/subsidyplan/").content.decode()
    assert "1 笔款项处理出错，已暂缓" in page
    assert "1 笔款项处理出错" in client.get("/admin/funding/subsidyplan/?run_error=yes").content.decode()
    assert "处理出错" not in client.get("/admin/funding/subsidyplan/?run_error=no").content.decode()
    page = client.get(f"/admin/funding/subsidyplan/{poisoned.pk}/change/").content.decode()
    assert "处理错误" in page and "超出可记录的上限" in page
    bad = SubsidyInstallment.objects.get(plan=poisoned, year=1)
    page = client.get(f"/admin/funding/subsidyinstallment/{bad.pk}/change/").content.decode()
    assert "超出可记录的上限" in page


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the numeric overflow and the trigger are PostgreSQL's: set DATABASE_URL")


def test_a_write_the_database_refuses_is_isolated_row_by_row(users, territory):
    """Any error the database raises for one row (here a trigger refusing to release it), not only
    what the run foresees: the batch's one UPDATE fails, its rows are retried one by one, the
    refused one is withheld with the database's error and the others are paid."""
    _postgres_only()
    first, poisoned, last = _good_plans(territory, users)
    refused = SubsidyInstallment.objects.get(plan=poisoned, year=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_release() RETURNS trigger AS $$ BEGIN "
            "IF NEW.status = 'released' THEN "
            "RAISE EXCEPTION 'refused by the test for row %', NEW.id; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_release BEFORE UPDATE ON funding_subsidyinstallment "
            f"FOR EACH ROW WHEN (NEW.id = {int(refused.pk)}) EXECUTE FUNCTION test_refuse_release()"
        )
    summary = subsidies_run(today=RUN_DAY)
    _assert_paid_once([first, last])
    refused.refresh_from_db()
    assert refused.status == S.WITHHELD and "refused by the test for row" in refused.run_error
    assert summary["errors"] == 1
