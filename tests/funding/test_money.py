"""Sources, commitments and disbursements: the money invariants, their messages, the project gate
and the funding page."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from funding.choices import SourceKind
from funding.models import Commitment, Disbursement
from funding.schedule import money, split
from funding.selectors import project_funding
from funding.services import funding_source_save
from governance.models import AuditEntry
from projects.gates import transition_reasons
from projects.models import Project

from .conftest import commit, make_source, pay

pytestmark = pytest.mark.django_db


def test_money_rounds_half_up_once():
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert money(Decimal("-0.005")) == Decimal("-0.01")


@pytest.mark.parametrize(
    "total,shares",
    [
        ("100.00", ["33.33", "33.33", "33.34"]),
        ("0.01", ["50", "50"]),
        ("1234.57", ["25", "75"]),
        ("999.99", ["10", "20", "30", "40"]),
    ],
)
def test_split_sums_exactly_and_the_first_payer_takes_the_rest(total, shares):
    lines = split(Decimal(total), [Decimal(s) for s in shares])
    assert sum(lines) == Decimal(total)
    for line, share in zip(lines[1:], shares[1:]):
        assert line == money(Decimal(total) * Decimal(share) / 100)


def test_commitment_within_what_the_source_holds(users, project, source):
    commit(source, project, "500000.00", users.street)
    with pytest.raises(ValidationError) as exc:
        commit(source, project, "300000.01", users.street)
    text = exc.value.message_dict["amount"][0]
    assert "承诺金额 300,000.01 元超过" in text and "尚未承诺的 300,000.00 元" in text
    commit(source, project, "300000.00", users.street)
    assert Commitment.objects.filter(source=source).count() == 2
    assert AuditEntry.objects.filter(action="commitment_create").count() == 2


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.001", "abc"])
def test_amounts_must_be_positive_cents(users, project, source, amount):
    with pytest.raises(ValidationError) as exc:
        commit(source, project, amount, users.street)
    assert "amount" in exc.value.message_dict
    assert not Commitment.objects.exists()


def test_disbursed_never_exceeds_committed(users, project, source):
    commitment = commit(source, project, "1000.00", users.street)
    pay(commitment, "500.00", users.street, "V1", payee="施工单位")
    with pytest.raises(ValidationError) as exc:
        pay(commitment, "1000.00", users.street, "V2", payee="施工单位")
    assert "拨付金额 1,000.00 元超过该承诺尚未拨付的 500.00 元" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as exc:
        pay(commitment, "1.00", users.street, "V3", payee=" ")
    assert "payee" in exc.value.message_dict
    pay(commitment, "500.00", users.street, "V4", payee="施工单位")
    assert sum(d.amount for d in Disbursement.objects.all()) == Decimal("1000.00")


def test_writes_are_scoped(users, territory, project, source):
    # Community staff of another community do not manage the project; the district official reads only.
    other = make_source(territory, street="s2")
    with pytest.raises(PermissionDenied):
        commit(source, project, "1.00", users.official)
    with pytest.raises(PermissionDenied):  # street S1 staff cannot see street S2's money
        commit(other, project, "1.00", users.street)
    commitment = commit(source, project, "10.00", users.street)
    with pytest.raises(PermissionDenied):
        pay(commitment, "1.00", users.official, "v", payee="x")


def test_source_total_cannot_drop_below_committed(users, project, source):
    commit(source, project, "600000.00", users.street)
    source.amount_held = Decimal("599999.99")
    with pytest.raises(ValidationError) as exc:
        funding_source_save(source=source, actor=users.street)
    assert "低于已承诺的 600,000.00 元" in exc.value.message_dict["amount_held"][0]
    source.street = None  # a district-wide source is the superuser's
    source.amount_held = Decimal("700000.00")
    with pytest.raises(PermissionDenied):
        funding_source_save(source=source, actor=users.street)
    funding_source_save(source=source, actor=users.superuser)


def test_gate_funding_covers_budget_to_the_cent(users, territory, project, source):
    Project.objects.filter(pk=project.pk).update(stage="consultation")

    def reasons():
        return [r for r in transition_reasons(Project.objects.get(pk=project.pk), "tender") if "资金" in r]

    assert reasons() == ["资金承诺合计 0.00 元，低于项目概算 1,000,000.00 元，缺口 1,000,000.00 元。"]
    commit(source, project, "800000.00", users.street)
    bond = make_source(territory, kind=SourceKind.SPECIAL_BOND, held="300000.00")
    commit(bond, project, "199999.99", users.street)
    assert reasons() == ["资金承诺合计 999,999.99 元，低于项目概算 1,000,000.00 元，缺口 0.01 元。"]
    commit(bond, project, "0.01", users.street)
    assert reasons() == []


def test_project_funding_page_by_kind_in_three_queries(
    users, territory, project, source, django_assert_num_queries
):
    bond = make_source(territory, kind=SourceKind.SPECIAL_BOND, held="300000.00")
    c1 = commit(source, project, "600000.00", users.street)
    commit(bond, project, "250000.00", users.street)
    for i in range(3):
        pay(c1, "100000.00", users.street, f"V{i}", payee="施工单位")
    with django_assert_num_queries(3):
        page = project_funding(project)
    assert [(line.kind, line.committed, line.disbursed) for line in page.lines] == [
        ("district_budget", Decimal("600000.00"), Decimal("300000.00")),
        ("special_bond", Decimal("250000.00"), Decimal("0.00")),
    ]
    assert page.committed == Decimal("850000.00") and page.disbursed == Decimal("300000.00")
    assert page.gap == Decimal("150000.00") and not page.covered
    assert [c.disbursed for c in page.commitments] == [Decimal("300000.00"), Decimal("0.00")]
