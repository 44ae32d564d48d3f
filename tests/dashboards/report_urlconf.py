"""The project's URLs with the monthly report's download mounted at the root (its name
"monthly_report" without a namespace), whether or not dashboards/urls.py includes it yet."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("", include("dashboards.report_urls"))]
