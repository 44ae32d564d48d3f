"""Providers (issue 13, item 4): the district's register with its credit codes, arrangements that
point to a record of it, the migration of the old free text into records, and scoping per role."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from rest_framework.test import APIClient

from governance.models import AuditEntry, ManagementArrangement
from governance.providers import Provider, validate_credit_code
from governance.scoping import scope
from governance.services import territory_record_save
from governance.services_management import arrangement_start
from tests.factories import ProviderFactory, provider_of
from tests.scopes import admin_list_text, api_as

D = datetime.date


# ---- the credit code (统一社会信用代码, GB 32100-2015) ------------------------------------------


@pytest.mark.parametrize("code", ["91310110666007217T", "91350100M000100Y43", "91510100MA6C8X1K2L"])
def test_valid_credit_codes_pass(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    "code, says",
    [
        ("91350100M000100Y4A", "校验位"),  # one character off
        ("91350211M00013FA1N", "校验位"),  # an early pilot code that breaks the standard
        ("9131011066600721", "应为18位，现为16位"),
        ("91310110666007217TX", "应为18位"),
        ("9131011066600721IO", "I、O"),  # letters outside the alphabet are named
    ],
)
def test_invalid_credit_codes_are_refused_saying_why(code, says):
    with pytest.raises(ValidationError) as refused:
        validate_credit_code(code)
    assert says in refused.value.messages[0]


def test_the_register_keeps_codes_and_names_unique_per_district(territory, users):
    first = territory_record_save(
        instance=Provider(district=territory.district, name=" 安居物业 ", credit_code="91310110666007217t"),
        actor=users.superuser,
    )
    assert (first.name, first.credit_code) == ("安居物业", "91310110666007217T")
    with pytest.raises(ValidationError) as refused:
        territory_record_save(
            instance=Provider(district=territory.district, name="另一家", credit_code="91310110666007217T"),
            actor=users.superuser,
        )
    assert "统一社会信用代码" in str(refused.value)
    with pytest.raises(ValidationError, match="同名"):
        territory_record_save(instance=Provider(district=territory.district, name="安居物业"), actor=users.superuser)
    # Another district keeps its own register; blank codes do not collide.
    territory_record_save(
        instance=Provider(district=territory.other_district, name="安居物业", credit_code="91310110666007217T"),
        actor=users.superuser,
    )
    territory_record_save(instance=Provider(district=territory.district, name="无代码甲"), actor=users.superuser)
    territory_record_save(instance=Provider(district=territory.district, name="无代码乙"), actor=users.superuser)
    with pytest.raises(ValidationError) as refused:
        territory_record_save(
            instance=Provider(district=territory.district, name="错代码", credit_code="91350100M000100Y4A"),
            actor=users.superuser,
        )
    assert "credit_code" in refused.value.message_dict


# ---- arrangements point to the register ---------------------------------------------------------


def _professional_in_n111(territory, actor, **fields):
    """arrangement_start by `actor`: n111 under professional management from 2024-01-01, with `fields`."""
    return arrangement_start(
        neighbourhood=territory.n111, mode="professional", started_on=D(2024, 1, 1), actor=actor, **fields
    )


def test_a_professional_arrangement_needs_a_provider_of_its_district(territory, users):
    with pytest.raises(ValidationError, match="专业化物业须选择物业服务单位"):
        _professional_in_n111(territory, users.street)
    with transaction.atomic(), pytest.raises(IntegrityError):  # the constraint holds under the service too
        ManagementArrangement.objects.create(neighbourhood=territory.n111, mode="professional", started_on=D(2024, 1, 1))
    elsewhere = ProviderFactory(district=territory.other_district, name="远郊物业")
    with pytest.raises(ValidationError) as refused:
        _professional_in_n111(territory, users.superuser, provider=elsewhere)
    assert "provider" in refused.value.message_dict
    # A street's staff cannot name a provider they cannot see: the same answer as a missing one.
    with pytest.raises(ValidationError) as refused:
        _professional_in_n111(territory, users.street, provider=elsewhere)
    assert refused.value.message_dict["provider"] == ["所选的物业服务单位不存在。"]
    arrangement = _professional_in_n111(
        territory,
        users.community,
        provider=provider_of(territory.n111),
        contract_start=D(2024, 1, 1),
        contract_end=D(2026, 12, 31),
        fee_per_m2_month=Decimal("0.85"),
    )
    assert arrangement.provider.name == "安居物业公司" and arrangement.fee_per_m2_month == Decimal("0.85")
    assert AuditEntry.objects.get(action="arrangement_start").details == {"provider": arrangement.provider_id}
    # Self-management may name no provider.
    arrangement_start(neighbourhood=territory.n121, mode="self_managed", started_on=D(2024, 1, 1), actor=users.street)


def test_the_contract_period_is_ordered(territory, users):
    with pytest.raises(ValidationError) as refused:
        _professional_in_n111(
            territory,
            users.community,
            provider=provider_of(territory.n111),
            contract_start=D(2025, 1, 1),
            contract_end=D(2024, 12, 31),
        )
    assert "contract_end" in refused.value.message_dict
    assert not ManagementArrangement.objects.exists()


def test_the_api_takes_a_provider_id_it_may_see_and_names_it(territory, users):
    client = APIClient()
    client.force_authenticate(users.street)
    mine = provider_of(territory.n111)
    elsewhere = ProviderFactory(district=territory.other_district, name="远郊物业")
    body = {"neighbourhood": territory.n111.pk, "mode": "professional", "started_on": "2024-01-01", "fee_per_m2_month": "0.80"}
    refused = client.post("/api/v1/management-arrangements/", {**body, "provider": elsewhere.pk}, format="json")
    missing = client.post("/api/v1/management-arrangements/", {**body, "provider": 987654}, format="json")
    assert refused.status_code == missing.status_code == 400
    assert refused.json() == missing.json()
    made = client.post(
        "/api/v1/management-arrangements/",
        {**body, "provider": mine.pk, "contract_start": "2024-01-01", "contract_end": "2026-12-31"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["provider"] == mine.pk and made.json()["provider_name"] == "安居物业公司"
    assert made.json()["contract_end"] == "2026-12-31"


def test_the_arrangement_admin_offers_the_districts_register(territory, users, client):
    mine = provider_of(territory.n111, "安居物业公司")
    ProviderFactory(district=territory.other_district, name="远郊物业")
    client.force_login(users.community)
    page = client.get(reverse("admin:governance_managementarrangement_add")).content.decode()
    assert f'<option value="{mine.pk}">安居物业公司</option>' in page and "远郊物业" not in page


# ---- scoping: every role × inside/outside × list, detail, change, API ---------------------------

SEES = {
    "superuser": {"district", "other"},
    "city": {"district", "other"},
    "official": {"district"},
    "street": {"district"},
    "community": {"district"},
    "nobody": set(),
}


@pytest.fixture
def registers(territory, users, city):
    return {
        "district": ProviderFactory(district=territory.district, name="甜城物业", contact_phone="02888001111"),
        "other": ProviderFactory(district=territory.other_district, name="东兴物业", contact_phone="02888002222"),
    }


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_reads_its_districts_register_and_only_superusers_write(role, registers, users, client):
    actor = getattr(users, role)
    seen = set(scope(Provider.objects.all(), actor).values_list("name", flat=True))
    assert seen == {registers[key].name for key in SEES[role]}
    assert scope(Provider.objects.all(), actor, write=True).count() == (2 if role == "superuser" else 0)
    client.force_login(actor)
    text = admin_list_text(client, "governance_provider", role)
    if text is not None:
        assert all((registers[key].name in text) == (key in SEES[role]) for key in registers)
    api = api_as(actor)
    for key, provider in registers.items():
        inside = key in SEES[role]
        detail = client.get(reverse("admin:governance_provider_change", args=[provider.pk]))
        assert detail.status_code == (200 if inside else 404), (key, role)
        post = client.post(reverse("admin:governance_provider_change", args=[provider.pk]), {"name": "改名", "district": provider.district_id, "kind": "market"})
        if role == "superuser":
            assert post.status_code == 302
        else:
            assert post.status_code == (403 if inside else 404), (key, role)
        response = api.get(f"/api/v1/providers/{provider.pk}/")
        # a user without a role is refused the whole API (403), as elsewhere
        assert response.status_code == (200 if inside else 403 if role == "nobody" else 404), (key, role)
        if inside:
            assert "contact_phone" not in response.json() and "0288800" not in response.content.decode()
    if role == "nobody":
        return
    names = {row["name"] for row in api.get("/api/v1/providers/").json()["results"]}
    assert names == ({"改名"} if role == "superuser" else {registers[key].name for key in SEES[role]})
    assert api.post("/api/v1/providers/", {"name": "x"}).status_code in (403, 405)


def test_staff_cannot_write_the_register_through_the_service(territory, users):
    for role in ("official", "street", "community"):
        with pytest.raises(PermissionDenied):
            territory_record_save(instance=Provider(district=territory.district, name=f"{role}物业"), actor=getattr(users, role))
    assert not Provider.objects.exists()


def test_the_contact_phone_never_reaches_an_audit_row(territory, users):
    provider = territory_record_save(
        instance=Provider(district=territory.district, name="安居物业", contact_phone="13912345678"), actor=users.superuser
    )
    provider.contact_phone = "13700001111"
    territory_record_save(instance=provider, actor=users.superuser)
    dumped = json.dumps(list(AuditEntry.objects.values("summary", "details")), ensure_ascii=False)
    assert "13912345678" not in dumped and "13700001111" not in dumped and "contact_phone" in dumped


# ---- the migration of the free text -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_free_text_into_records_deduplicated_by_name():
    executor = MigrationExecutor(connection)
    executor.migrate([("governance", "0013_providers")])
    apps = executor.loader.project_state([("governance", "0013_providers")]).apps
    District = apps.get_model("governance", "District")
    Street = apps.get_model("governance", "Street")
    Community = apps.get_model("governance", "Community")
    Neighbourhood = apps.get_model("governance", "Neighbourhood")
    Arrangement = apps.get_model("governance", "ManagementArrangement")
    made = {}
    for district_name in ("甜城区", "东兴区"):
        district = District.objects.create(name=district_name)
        community = Community.objects.create(street=Street.objects.create(district=district, name="街道"), name="社区")
        made[district_name] = [
            Neighbourhood.objects.create(community=community, name=f"小区{i}", built_year=1990) for i in range(4)
        ]
    a, b = made["甜城区"], made["东兴区"]
    rows = [
        (a[0], "professional", "安居物业公司", None),
        (a[1], "professional", "  安居物业公司 ", None),  # the same name, spaces around it
        (a[2], "self_managed", "居民自管小组", None),
        (a[3], "fallback", "", None),
        (a[0], "self_managed", "安居物业  公司", D(2023, 12, 31)),  # inner spaces made one
        (b[0], "professional", "安居物业公司", None),  # another district: its own record
    ]
    for neighbourhood, mode, text, ended_on in rows:
        Arrangement.objects.create(
            neighbourhood=neighbourhood,
            mode=mode,
            provider=text,
            started_on=D(2020, 1, 1) if ended_on else D(2024, 1, 1),
            ended_on=ended_on,
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("governance"))
    records = sorted(Provider.objects.values_list("district__name", "name", "kind"))
    assert records == [
        ("东兴区", "安居物业公司", "market"),
        ("甜城区", "安居物业 公司", "other"),
        ("甜城区", "安居物业公司", "market"),
        ("甜城区", "居民自管小组", "other"),
    ]
    by_neighbourhood = {
        (row.neighbourhood.name, row.neighbourhood.community.street.district.name, row.started_on.year): (
            row.provider.name if row.provider else None
        )
        for row in ManagementArrangement.objects.select_related("provider", "neighbourhood__community__street__district")
    }
    assert by_neighbourhood[("小区0", "甜城区", 2024)] == "安居物业公司"
    assert by_neighbourhood[("小区1", "甜城区", 2024)] == "安居物业公司"
    assert by_neighbourhood[("小区3", "甜城区", 2024)] is None
    assert ManagementArrangement.objects.filter(provider__name="安居物业公司", provider__district__name="甜城区").count() == 2
