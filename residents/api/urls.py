from . import reports, views

# (prefix, viewset, basename) rows that config/api_urls.py puts on the one router.
# The census above the household (neighbourhoods, buildings, stairwells) is governance's.
routes = [
    ("households", views.HouseholdViewSet, "household"),
    ("resident-reports", reports.ResidentReportViewSet, "resident-report"),
]
