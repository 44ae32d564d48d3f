"""The site's URLs plus the projects app's public pages, for tests, until config/urls.py includes
them (`path("", include("projects.urls"))`)."""
from django.urls import include, path

from config.urls import urlpatterns as site

urlpatterns = [path("", include("projects.urls")), *site]
