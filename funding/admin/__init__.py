"""The admin of the funding app: thin — every write calls a service, every list is scoped.

Commitments and disbursements are added, never edited: a wrong one is reversed (冲销) from its
page ("冲销" button, or the list's action for one selected row) with a reason, and the right
amount entered as a new row. Reversed rows stay listed, marked as reversed; totals leave them out.

A project's funding page (budget, committed and disbursed by kind, the gap, each commitment) is
/admin/funding/commitment/project/<project id>/, linked from the commitment list. A subsidy plan's
page shows its whole schedule year by year.

One module a sub-domain (money, subsidies); importing the package registers every page."""

from .money import (
    CommitmentAdmin,
    CreateOnlyMixin,
    DisbursementAdmin,
    DisbursementInline,
    FundingSourceAdmin,
    PublicIncomeAdmin,
    ReversalForm,
    ReversedFilter,
    ReversibleMixin,
)
from .subsidies import (
    InstallmentRunErrorFilter,
    RunErrorFilter,
    SubsidyInstallmentAdmin,
    SubsidyPayerInline,
    SubsidyPaymentInline,
    SubsidyPlanAdmin,
)

__all__ = [
    "CommitmentAdmin", "CreateOnlyMixin", "DisbursementAdmin", "DisbursementInline", "FundingSourceAdmin",
    "InstallmentRunErrorFilter", "PublicIncomeAdmin", "ReversalForm", "ReversedFilter", "ReversibleMixin",
    "RunErrorFilter", "SubsidyInstallmentAdmin", "SubsidyPayerInline", "SubsidyPaymentInline", "SubsidyPlanAdmin",
]
