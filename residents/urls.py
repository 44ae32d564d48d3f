"""Public resident pages of the residents app: the entry with the household code. Apps above add
their public pages through their own urls modules, included from config/urls.py."""

from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    path("code/", views.entry, name="entry"),
    path("code/leave/", views.leave, name="leave"),
]
