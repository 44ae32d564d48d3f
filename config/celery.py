"""The Celery app. Configured from Django settings (CELERY_* names); see settings.py for the broker
and the one beat schedule. Without REDIS_URL, tasks run in-process (eager)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
