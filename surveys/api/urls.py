from . import views

# (prefix, viewset, basename) rows that config/api_urls.py puts on the one router.
routes = [
    ("consultation-processes", views.ProcessViewSet, "consultation-process"),
    ("consultation-steps", views.StepViewSet, "consultation-step"),
    ("meetings", views.MeetingViewSet, "meeting"),
    ("opinions", views.OpinionViewSet, "opinion"),
    ("demand-lists", views.DemandListViewSet, "demand-list"),
    ("questionnaires", views.QuestionnaireViewSet, "questionnaire"),
    ("votes", views.VoteViewSet, "vote"),
]
