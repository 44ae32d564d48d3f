"""Public pages of the funding app, mounted at the root by config/urls.py."""

from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("n/<int:neighbourhood_id>/income/", views.public_income_page, name="public_income"),
]
