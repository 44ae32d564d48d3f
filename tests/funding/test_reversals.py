"""Reversals (冲销) of commitments and disbursements: a wrong row is reversed whole, with a reason,
and the right amount entered as a new row; every total counts net of reversals. Services, the
gate, the funding page (query count pinned), the admin and the API."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from funding.choices import SourceKind
from funding.models import Commitment, CommitmentReversal, DisbursementReversal, FundingSource
from funding.querysets import sum_of
from funding.selectors import project_funding
from funding.services import (
    commitment_reverse,
    disbursement_reverse,
    funding_source_save,
)
from governance.choices import RoleKind
from governance.models import AuditEntry
from projects.gates import transition_reasons
from projects.models import Project
from tests.factories import staff_user

from .conftest import commit, make_source, pay

pytestmark = pytest.mark.django_db


def _source_committed(source):
    return (
        FundingSource.objects.annotate(c=sum_of(Commitment, "amount", "source", live=True))
        .get(pk=source.pk)
        .c
    )


def test_reversal_then_reentry_gives_the_right_totals_to_the_cent(users, project, source):
    wrong = commit(source, project, "800000.00", users.street)  # should have been 612,345.67
    paid_wrong = pay(wrong, "0.01", users.street, "V-typo")
    with pytest.raises(ValidationError):  # the whole source is committed: no room for the right row
        commit(source, project, "612345.67", users.street)
    disbursement_reverse(disbursement=paid_wrong, reason="金额录入错误", actor=users.street)
    commitment_reverse(commitment=wrong, reason="金额录入错误，应为 612,345.67 元", actor=users.street)
    right = commit(source, project, "612345.67", users.street)
    pay(right, "100000.01", users.street, "V2")
    pay(right, "0.01", users.street, "V3")

    page = project_funding(project)
    assert page.committed == Decimal("612345.67") and page.disbursed == Decimal("100000.02")
    assert page.gap == Decimal("387654.33")
    assert [(line.kind, line.committed, line.disbursed) for line in page.lines] == [
        ("district_budget", Decimal("612345.67"), Decimal("100000.02"))
    ]
    assert [(c.pk, c.disbursed, getattr(c, "reversal", None) is not None) for c in page.commitments] == [
        (wrong.pk, Decimal("0.00"), True),
        (right.pk, Decimal("100000.02"), False),
    ]
    assert _source_committed(source) == Decimal("612345.67")
    # the source's total may now drop to the net committed, not below
    source.amount_held = Decimal("612345.67")
    funding_source_save(source=source, actor=users.street)
    source.amount_held = Decimal("612345.66")
    with pytest.raises(ValidationError, match="低于已承诺的 612,345.67 元"):
        funding_source_save(source=source, actor=users.street)
    # the reversed disbursement's money may be paid again against the right commitment, to the cent
    with pytest.raises(ValidationError, match="尚未拨付的 512,345.65 元"):
        pay(right, "512345.66", users.street, "V4")
    pay(right, "512345.65", users.street, "V4")
    assert project_funding(project).disbursed == Decimal("612345.67")
    actions = list(
        AuditEntry.objects.filter(action__endswith="_reverse")
        .order_by("pk")
        .values_list("action", "target_id")
    )
    assert actions == [("disbursement_reverse", str(paid_wrong.pk)), ("commitment_reverse", str(wrong.pk))]


def test_reversing_twice_is_refused_and_a_constraint(users, project, source):
    commitment = commit(source, project, "1000.00", users.street)
    paid = pay(commitment, "10.00", users.street)
    disbursement_reverse(disbursement=paid, reason="重复登记", actor=users.street)
    with pytest.raises(ValidationError) as exc:
        disbursement_reverse(disbursement=paid, reason="再次冲销", actor=users.street)
    assert exc.value.messages == ["该拨付已冲销，不能重复冲销。"] and exc.value.code == "already_reversed"
    commitment_reverse(commitment=commitment, reason="录入错误", actor=users.street)
    with pytest.raises(ValidationError, match="该资金承诺已冲销，不能重复冲销。"):
        commitment_reverse(commitment=commitment, reason="再次冲销", actor=users.street)
    assert CommitmentReversal.objects.count() == 1 and DisbursementReversal.objects.count() == 1
    assert AuditEntry.objects.filter(action__endswith="_reverse").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        CommitmentReversal.objects.create(commitment=commitment, reason="绕过服务")
    with pytest.raises(IntegrityError), transaction.atomic():
        DisbursementReversal.objects.create(disbursement=paid, reason="绕过服务")
    with pytest.raises(ValidationError, match="该资金承诺已冲销，不能再拨付"):  # nothing more against it
        pay(commitment, "1.00", users.street, "V9")


def test_a_commitment_with_live_disbursements_is_not_reversed(users, project, source):
    commitment = commit(source, project, "1000.00", users.street)
    first = pay(commitment, "100.00", users.street, "V1")
    pay(commitment, "250.50", users.street, "V2")
    disbursement_reverse(disbursement=first, reason="凭证号错误", actor=users.street)
    with pytest.raises(ValidationError) as exc:
        commitment_reverse(commitment=commitment, reason="录入错误", actor=users.street)
    assert exc.value.messages == [
        "该资金承诺尚有 1 笔未冲销的拨付，合计 250.50 元；请先冲销这些拨付，再冲销承诺。"
    ]
    assert exc.value.code == "live_disbursements"
    assert not CommitmentReversal.objects.exists()
    assert project_funding(project).committed == Decimal("1000.00")


def test_a_reason_is_required_and_writes_are_scoped(users, territory, project, source):
    commitment = commit(source, project, "1000.00", users.street)
    with pytest.raises(ValidationError) as exc:
        commitment_reverse(commitment=commitment, reason="  ", actor=users.street)
    assert exc.value.message_dict == {"reason": ["请填写冲销原因。"]}
    for actor in (users.official, staff_user(RoleKind.STREET_STAFF, territory.s2)):
        with pytest.raises(PermissionDenied):
            commitment_reverse(commitment=commitment, reason="x", actor=actor)
    paid = pay(commitment, "1.00", users.street)
    with pytest.raises(PermissionDenied):
        disbursement_reverse(disbursement=paid, reason="x", actor=users.official)
    assert not CommitmentReversal.objects.exists() and not DisbursementReversal.objects.exists()
    assert not AuditEntry.objects.filter(action__endswith="_reverse").exists()


def test_the_gate_changes_after_a_reversal(users, territory, project, source):
    Project.objects.filter(pk=project.pk).update(stage="consultation")

    def reasons():
        return [r for r in transition_reasons(Project.objects.get(pk=project.pk), "tender") if "资金" in r]

    bond = make_source(territory, kind=SourceKind.SPECIAL_BOND, held="300000.00")
    commit(source, project, "800000.00", users.street)
    typo = commit(bond, project, "200000.00", users.street)
    assert reasons() == []
    commitment_reverse(commitment=typo, reason="应为 199,999.99 元", actor=users.street)
    assert reasons() == ["资金承诺合计 800,000.00 元，低于项目概算 1,000,000.00 元，缺口 200,000.00 元。"]
    commit(bond, project, "199999.99", users.street)
    assert reasons() == ["资金承诺合计 999,999.99 元，低于项目概算 1,000,000.00 元，缺口 0.01 元。"]


def test_funding_page_with_reversals_stays_in_three_queries(
    users, territory, project, source, django_assert_num_queries
):
    bond = make_source(territory, kind=SourceKind.SPECIAL_BOND, held="300000.00")
    for i in range(4):
        c = commit(source, project, "1000.00", users.street)
        d = pay(c, "400.00", users.street, f"V{i}")
        pay(c, "100.00", users.street, f"W{i}")
        disbursement_reverse(disbursement=d, reason="错", actor=users.street)
        if i % 2:
            commit(bond, project, "10.00", users.street)
    gone = commit(bond, project, "5000.00", users.street)
    commitment_reverse(commitment=gone, reason="错", actor=users.street)
    with django_assert_num_queries(3):
        page = project_funding(project)
        rendered = [
            (c.amount, c.disbursed, getattr(c, "reversal", None) is not None) for c in page.commitments
        ]
    assert [(line.kind, line.committed, line.disbursed) for line in page.lines] == [
        ("district_budget", Decimal("4000.00"), Decimal("400.00")),
        ("special_bond", Decimal("20.00"), Decimal("0.00")),
    ]
    assert rendered[-1] == (Decimal("5000.00"), Decimal("0.00"), True)
    assert sum(1 for row in rendered if row[2]) == 1


# ---- admin -----------------------------------------------------------------------------------


def test_admin_reverses_a_commitment_from_its_page(client, users, territory, project, source):
    commitment = commit(source, project, "800000.00", users.street)
    paid = pay(commitment, "1.00", users.street)
    client.force_login(users.street)
    change = reverse("admin:funding_commitment_change", args=[commitment.pk])
    url = reverse("admin:funding_commitment_reverse", args=[commitment.pk])
    assert url in client.get(change).content.decode()  # the button
    assert "请填写冲销原因" not in client.get(url).content.decode()
    page = client.post(url, {"reason": "录入错误"}, follow=True).content.decode()
    assert "尚有 1 笔未冲销的拨付，合计 1.00 元" in page and not CommitmentReversal.objects.exists()
    d_url = reverse("admin:funding_disbursement_reverse", args=[paid.pk])
    assert client.post(d_url, {"reason": ""}).status_code == 200  # the form again, nothing written
    assert not DisbursementReversal.objects.exists()
    assert client.post(d_url, {"reason": "凭证号错误"}).status_code == 302
    response = client.post(url, {"reason": "金额录入错误"})
    assert response.status_code == 302 and response["Location"] == change
    assert CommitmentReversal.objects.get().reason == "金额录入错误"
    page = client.get(change).content.decode()
    assert "金额录入错误" in page and url not in page  # marked, and no second button
    listing = client.get(reverse("admin:funding_commitment_changelist")).content.decode()
    assert "已冲销" in listing
    funding = client.get(reverse("admin:funding_project_funding", args=[project.pk])).content.decode()
    assert "<del>800,000.00 元</del>" in funding and "1,000,000.00" in funding  # the gap is the budget
    assert "已冲销" in client.get(reverse("admin:funding_disbursement_changelist")).content.decode()


def test_admin_reversal_is_scoped(client, users, territory, project, source):
    commitment = commit(source, project, "1000.00", users.street)
    url = reverse("admin:funding_commitment_reverse", args=[commitment.pk])
    client.force_login(users.official)  # reads, never writes
    assert (
        url
        not in client.get(reverse("admin:funding_commitment_change", args=[commitment.pk])).content.decode()
    )
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(staff_user(RoleKind.STREET_STAFF, territory.s2))
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert not CommitmentReversal.objects.exists()


def test_admin_action_takes_one_row_to_its_reversal_page(client, users, project, source):
    first = commit(source, project, "1.00", users.street)
    second = commit(source, project, "2.00", users.street)
    client.force_login(users.street)
    changelist = reverse("admin:funding_commitment_changelist")
    response = client.post(changelist, {"action": "reverse_selected", "_selected_action": [first.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:funding_commitment_reverse", args=[first.pk])
    response = client.post(
        changelist, {"action": "reverse_selected", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "请一次只选择一条记录" in response.content.decode()


# ---- API -------------------------------------------------------------------------------------


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_reverse_answers_200_409_400_403_404(users, territory, project, source):
    commitment = commit(source, project, "800000.00", users.street)
    paid = pay(commitment, "5.00", users.street)
    api = _api(users.street)
    c_url = f"/api/v1/commitments/{commitment.pk}/reverse/"
    d_url = f"/api/v1/disbursements/{paid.pk}/reverse/"
    response = api.post(c_url, {"reason": "录入错误"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "reasons": ["该资金承诺尚有 1 笔未冲销的拨付，合计 5.00 元；请先冲销这些拨付，再冲销承诺。"]
    }
    response = api.post(d_url, {"reason": " "}, format="json")
    assert response.status_code == 400 and response.json() == {"reason": ["请填写冲销原因。"]}
    assert api.post(d_url, {}, format="json").status_code == 400
    assert _api(users.official).post(d_url, {"reason": "x"}, format="json").status_code == 403
    other = staff_user(RoleKind.STREET_STAFF, territory.s2)
    assert _api(other).post(d_url, {"reason": "x"}, format="json").status_code == 404
    response = api.post(d_url, {"reason": "凭证号错误"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["reversal"]["reason"] == "凭证号错误"
    assert response.json()["reversal"]["created_by"] == users.street.pk
    response = api.post(d_url, {"reason": "again"}, format="json")
    assert response.status_code == 409 and response.json() == {"reasons": ["该拨付已冲销，不能重复冲销。"]}
    assert api.get(f"/api/v1/commitments/{commitment.pk}/").json()["disbursed"] == "0.00"
    response = api.post(c_url, {"reason": "录入错误"}, format="json")
    assert response.status_code == 200 and response.json()["reversal"]["reason"] == "录入错误"
    data = api.get(f"/api/v1/project-funding/{project.pk}/").json()
    assert data["committed"] == "0.00" and data["disbursed"] == "0.00" and data["by_kind"] == []
    source_row = api.get(f"/api/v1/funding-sources/{source.pk}/").json()
    assert source_row["committed"] == "0.00"
    # a new commitment on the reversed one's place: the right figure
    body = {"source": source.pk, "project": project.pk, "amount": "799999.99", "committed_on": "2025-03-01"}
    assert api.post("/api/v1/commitments/", body, format="json").status_code == 201
    assert api.get(f"/api/v1/project-funding/{project.pk}/").json()["committed"] == "799999.99"
    rows = api.get("/api/v1/commitments/").json()["results"]
    assert [(r["amount"], r["reversal"] is None) for r in rows] == [("800000.00", False), ("799999.99", True)]


def test_api_lists_of_money_rows_keep_their_query_count(users, project, source):
    """The lists' query counts do not grow with rows and reversals (select_related, subqueries)."""
    api = _api(users.street)

    def counted(url):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    c = commit(source, project, "10.00", users.street)
    pay(c, "1.00", users.street)
    before = counted("/api/v1/commitments/"), counted("/api/v1/disbursements/")
    for i in range(5):
        c = commit(source, project, "10.00", users.street)
        d = pay(c, "1.00", users.street, f"V{i}")
        disbursement_reverse(disbursement=d, reason="错", actor=users.street)
        if i % 2:
            commitment_reverse(commitment=c, reason="错", actor=users.street)
    assert (counted("/api/v1/commitments/"), counted("/api/v1/disbursements/")) == before
