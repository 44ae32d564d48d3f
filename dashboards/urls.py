"""The officials' dashboards, mounted at the root by config/urls.py."""

from django.urls import include, path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboards/", views.index, name="index"),
    path("dashboards/export/<slug:table>.<slug:fmt>", views.export_top, name="export_top"),
    path("dashboards/<slug:level>/<int:pk>/", views.unit_page, name="unit"),
    path("dashboards/<slug:level>/<int:pk>/export/<slug:table>.<slug:fmt>", views.export, name="export"),
    # The unit's other pages (tabs): consultation, money and management (views.PAGES).
    path("dashboards/<slug:page>/", views.page_top, name="page_top"),
    path("dashboards/<slug:page>/export/<slug:table>.<slug:fmt>", views.page_export_top, name="page_export_top"),
    path("dashboards/<slug:level>/<int:pk>/<slug:page>/", views.unit_page, name="page"),
    path(
        "dashboards/<slug:level>/<int:pk>/<slug:page>/export/<slug:table>.<slug:fmt>",
        views.export,
        name="page_export",
    ),
    path("", include("dashboards.report_urls")),  # the monthly report's download
]
