from . import views

# (prefix, viewset, basename) rows that config/api_urls.py puts on the one router.
routes = [
    ("funding-sources", views.FundingSourceViewSet, "funding-source"),
    ("commitments", views.CommitmentViewSet, "commitment"),
    ("disbursements", views.DisbursementViewSet, "disbursement"),
    ("project-funding", views.ProjectFundingViewSet, "project-funding"),
    ("public-incomes", views.PublicIncomeViewSet, "public-income"),
    ("management-arrangements", views.ManagementArrangementViewSet, "management-arrangement"),
    ("assessments", views.AssessmentViewSet, "assessment"),
    ("subsidy-plans", views.SubsidyPlanViewSet, "subsidy-plan"),
    ("subsidy-installments", views.SubsidyInstallmentViewSet, "subsidy-installment"),
]
