"""The monthly report's download, included by dashboards/urls.py (name dashboards:monthly_report)."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("dashboards/report/<str:month>.xlsx", report_views.monthly_report_download, name="monthly_report"),
]
