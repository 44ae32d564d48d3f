"""Public pages of the projects app. config/urls.py includes them with
`path("", include("projects.urls"))`."""

from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("n/<int:neighbourhood_id>/", views.neighbourhood_page, name="neighbourhood"),
    path(
        "n/<int:neighbourhood_id>/notices/<int:notice_id>/objection/",
        views.objection_create,
        name="objection",
    ),
]
