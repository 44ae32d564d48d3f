"""The one API router under /api/v1/: each app lists its routes in `<app>/api/urls.py`."""
from importlib import import_module

from rest_framework.routers import DefaultRouter

from .layers import APPS

router = DefaultRouter()
for app in APPS:
    try:
        module = import_module(f"{app}.api.urls")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"{app}.api", f"{app}.api.urls"):
            raise
        continue
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls
