"""The suite runs against the real services when their URLs are set, and fails (never skips) when
they cannot be reached. In CI (CI=true) both URLs must be set."""
import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


def test_ci_sets_both_service_urls():
    if not IN_CI:
        pytest.skip("not in CI: the service URLs are optional")
    assert os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    assert os.environ.get("REDIS_URL", "").startswith("redis://")


@pytest.mark.django_db
def test_database_is_the_one_named_by_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_redis_answers_when_redis_url_is_set():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL not set: Celery runs in-process")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5)
    assert client.ping() is True
    from config import celery_app

    assert celery_app.conf.task_always_eager is False
    assert celery_app.conf.broker_url == settings.REDIS_URL
