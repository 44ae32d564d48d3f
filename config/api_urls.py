"""The one API router under /api/v1/: each app lists its routes in `<app>/api/urls.py`, and may add
plain views there as `urlpatterns` (the dashboards' aggregates, which have no rows to route); and
the token endpoint for API clients, /api/v1/auth/token/."""
from importlib import import_module

from django.urls import path
from rest_framework.routers import DefaultRouter

from governance.api.auth import TokenView

from .layers import APPS

router = DefaultRouter()
plain = []
for app in APPS:
    try:
        module = import_module(f"{app}.api.urls")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"{app}.api", f"{app}.api.urls"):
            raise
        continue
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)
    plain += getattr(module, "urlpatterns", [])

urlpatterns = [path("auth/token/", TokenView.as_view(), name="api-token"), *plain, *router.urls]
