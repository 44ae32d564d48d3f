"""Public resident pages of the residents app: the entry with the household code, and the report
form. Apps above add their public pages through their own urls modules, included from
config/urls.py."""

from django.urls import path

from . import views, views_reports

app_name = "residents"

urlpatterns = [
    path("code/", views.entry, name="entry"),
    path("code/leave/", views.leave, name="leave"),
    path("me/reports/new/", views_reports.report_new, name="report_new"),
]
