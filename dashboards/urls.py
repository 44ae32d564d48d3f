"""The officials' dashboards, mounted at the root by config/urls.py."""

from django.urls import include, path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboards/", views.index, name="index"),
    path("dashboards/export/<slug:table>.<slug:fmt>", views.export_top, name="export_top"),
    path("dashboards/<slug:level>/<int:pk>/", views.unit_page, name="unit"),
    path("dashboards/<slug:level>/<int:pk>/export/<slug:table>.<slug:fmt>", views.export, name="export"),
    path("", include("dashboards.report_urls")),  # the monthly report's download
]
