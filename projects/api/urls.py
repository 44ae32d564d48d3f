from . import views

# (prefix, viewset, basename) rows that config/api_urls.py puts on the one router.
routes = [
    ("catalogue-items", views.CatalogueItemViewSet, "catalogue-item"),
    ("projects", views.ProjectViewSet, "project"),
    ("scope-items", views.ScopeItemViewSet, "scope-item"),
    ("progress-reports", views.ProgressReportViewSet, "progress-report"),
    ("findings", views.FindingViewSet, "finding"),
    ("notices", views.NoticeViewSet, "notice"),
]
