"""Writes of the funding app, one module a sub-domain (money, reversals, income, subsidies, run). Each
service: keyword-only arguments, an explicit actor, one transaction, an audit row. This package keeps
the names callers import."""

from .income import public_income_save
from .money import ZERO, commitment_create, disbursement_create, funding_source_save
from .reversals import commitment_reverse, disbursement_reverse
from .run import (
    BATCH_SIZE,
    DECISION_FIELDS,
    SWEEP_AFTER,
    deciding_assessments,
    installments_decide,
    installments_pay,
    installments_sweep,
    subsidies_run,
)
from .subsidies import (
    PLAN_MAX_YEARS,
    build_installments,
    subsidy_plan_check,
    subsidy_plan_create,
    subsidy_plan_exit,
)

__all__ = [
    "BATCH_SIZE", "DECISION_FIELDS", "PLAN_MAX_YEARS", "SWEEP_AFTER", "ZERO",
    "build_installments", "commitment_create", "commitment_reverse", "deciding_assessments",
    "disbursement_create", "disbursement_reverse", "funding_source_save", "installments_decide",
    "installments_pay", "installments_sweep", "public_income_save", "subsidies_run",
    "subsidy_plan_check", "subsidy_plan_create", "subsidy_plan_exit",
]
