"""Public resident pages of the surveys app (mounted at the root by config/urls.py)."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("me/", views.home, name="home"),
    path("me/demand/<int:list_id>/", views.demand_form, name="demand"),
    path("me/demand/receipt/<str:receipt>/", views.demand_receipt, name="demand_receipt"),
    path("me/vote/<int:vote_id>/", views.vote_form, name="vote"),
    path("me/vote/<int:vote_id>/receipt/", views.vote_receipt, name="vote_receipt"),
    path("me/questionnaire/<int:questionnaire_id>/", views.questionnaire_form, name="questionnaire"),
    path("votes/<int:vote_id>/tally/", views.tally_page, name="tally"),
]
