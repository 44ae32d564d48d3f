"""The dashboards API, mounted under /api/v1/ by config/api_urls.py: plain views (no router rows),
each answer one unit's aggregates."""

from django.urls import path

from . import views

routes = []  # no view sets

urlpatterns = [
    path("dashboards/", views.DashboardTopView.as_view(), name="api-dashboards"),
    path("dashboards/<str:level>/<int:id>/", views.DashboardUnitView.as_view(), name="api-dashboards-unit"),
]
