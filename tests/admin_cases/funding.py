"""The admin cases of funding: sources, commitments, disbursements, public income and subsidy
plans."""

import datetime

from tests.admin_cases.base import Case, edits, one_new, read_only


def _source_add(w, role):
    return {
        "name": "专项债券资金",
        "kind": "special_bond",
        "provider": "甜城区财政局",
        "amount_held": "2000000.00",
        "district": w.district.pk,
        "street": w.s1.pk,
    }


def _commitment_add(w, role):
    return {
        "source": w.source.pk,
        "project": w.project.pk,
        "amount": "150000.00",
        "committed_on": w.today.isoformat(),
        "document_number": "甜财〔2026〕12号",
    }


def _disbursement_add(w, role):
    return {
        "commitment": w.commitment.pk,
        "amount": "50000.00",
        "paid_on": w.today.isoformat(),
        "payee": "甜城建工",
        "voucher_number": "PZ-002",
    }


def _income_add(w, role):
    return {
        "neighbourhood": w.n111.pk,
        "kind": "advertising",
        "amount": "3000.00",
        "period_start": w.today.replace(day=1).isoformat(),
        "period_end": w.today.isoformat(),
        "use": "公共设施维护",
    }


def _subsidy_plan_add(w, role):
    from governance.models import ManagementArrangement
    from governance.services_management import arrangement_start

    arrangement = arrangement_start(
        neighbourhood=w.n112,
        mode="fallback",
        provider=w.provider,
        started_on=w.today - datetime.timedelta(days=10),
        actor=w.users.street,
    )
    assert ManagementArrangement.objects.filter(pk=arrangement.pk).exists()
    return {
        "neighbourhood": w.n112.pk,
        "arrangement": arrangement.pk,
        "name": "新华二里物业补贴",
        "area": "3000.00",
        "start_on": w.today.isoformat(),
        "rates_rows-0-rate": "1.00",
        "rates_rows-1-rate": "0.50",
        "payers_text": "区财政局:75\n市财政局:25",
    }



CASES = {
    "funding.FundingSource": Case(
        # A street's money: community staff read it (they commit it to their projects).
        add=_source_add,
        added=one_new(kind="special_bond"),
        **edits("source", document_number="甜财〔2026〕3号"),
        add_roles=("superuser", "street"),
        change_roles=("superuser", "street"),
    ),
    "funding.Commitment": Case(
        add=_commitment_add,
        added=one_new(amount="150000.00"),
        **read_only("commitment", amount="1.00"),
    ),
    "funding.Disbursement": Case(
        add=_disbursement_add,
        added=one_new(voucher_number="PZ-002"),
        **read_only("disbursement", amount="1.00"),
    ),
    "funding.PublicIncome": Case(
        add=_income_add,
        added=one_new(kind="advertising"),
        **edits("income", use="楼道照明"),
    ),
    "funding.SubsidyPlan": Case(
        add=_subsidy_plan_add,
        added=lambda w, rows, role: rows.get().installments.count() == 2,
        **read_only("subsidy_plan", name="改写"),
    ),
    "funding.SubsidyInstallment": Case(
        **read_only("installment", amount="1.00"),
    ),
}
