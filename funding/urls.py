"""Pages of the funding app, mounted at the root by config/urls.py: the public income, and the
staff's management lists (staff_views)."""

from django.urls import path

from . import staff_views, views

app_name = "funding"

urlpatterns = [
    path("n/<int:neighbourhood_id>/income/", views.public_income_page, name="public_income"),
    path("management/unmanaged/", staff_views.management_lists, name="management_lists"),
]
