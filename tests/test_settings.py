"""The settings read the environment as config/settings.py documents: a required SECRET_KEY outside
DEBUG, Chinese and Shanghai by default, Celery in-process without REDIS_URL, PostgreSQL from
DATABASE_URL. Each environment is tried in a fresh interpreter, since settings are read once."""
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from config import celery_app

# The variables config/settings.py reads; each subprocess starts without them.
SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "IDENTITY_HASH_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "MEDIA_ROOT",
    "CONN_MAX_AGE",
    "DATABASE_JIT",
}
PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from config import celery_app
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": settings.DATABASES["default"]["NAME"],
    "eager": celery_app.conf.task_always_eager,
    "broker": celery_app.conf.broker_url,
    "cache": settings.CACHES["default"]["BACKEND"],
    "options": settings.DATABASES["default"].get("OPTIONS", {}).get("options"),
}))
"""


def run_settings(**variables):
    """Start Django with config.settings in a fresh interpreter with exactly `variables` set."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_secret_key_is_required_when_debug_is_off():
    result = run_settings()

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_starts_without_a_secret_key():
    assert loaded(run_settings(DEBUG="true"))["debug"] is True


def test_a_secret_key_is_enough_to_start_with_debug_off():
    assert loaded(run_settings(SECRET_KEY="x" * 50))["debug"] is False


def test_language_and_time_zone_defaults():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert "en" in dict(settings.LANGUAGES)
    assert celery_app.conf.timezone == "Asia/Shanghai"


def test_celery_is_eager_without_redis_url_and_uses_redis_with_it():
    without = loaded(run_settings(DEBUG="true"))
    assert without["eager"] is True
    assert without["broker"] == "memory://"
    assert without["cache"] == "django.core.cache.backends.locmem.LocMemCache"

    with_redis = loaded(run_settings(DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3"))
    assert with_redis["eager"] is False
    assert with_redis["broker"] == "redis://127.0.0.1:6379/3"
    assert with_redis["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_this_process_follows_redis_url_too():
    assert celery_app.conf.task_always_eager is (not os.environ.get("REDIS_URL"))


def test_database_url_picks_postgresql_and_sqlite_is_the_default():
    # Only the settings are read: no connection is opened.
    default = loaded(run_settings(DEBUG="true"))
    assert default["engine"] == "django.db.backends.sqlite3"
    assert default["name"].endswith("db.sqlite3")

    postgres_url = "postgres://someone@db.invalid:5432/renovation"
    postgres = loaded(run_settings(DEBUG="true", DATABASE_URL=postgres_url))
    assert postgres["engine"] == "django.db.backends.postgresql"
    assert postgres["name"] == "renovation"


def test_postgresql_connections_start_with_the_jit_off_unless_database_jit():
    url = "postgres://someone@db.invalid:5432/renovation"
    assert loaded(run_settings(DEBUG="true", DATABASE_URL=url))["options"] == "-c jit=off"
    assert loaded(run_settings(DEBUG="true", DATABASE_URL=url, DATABASE_JIT="true"))["options"] is None
    # Options the URL gives are kept.
    given = loaded(run_settings(DEBUG="true", DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000"))
    assert given["options"] == "-c statement_timeout=5000 -c jit=off"
    assert loaded(run_settings(DEBUG="true"))["options"] is None  # SQLite has no JIT


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the JIT is PostgreSQL's")
def test_this_database_connection_has_the_jit_off():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_code_only_commands_run_without_a_secret_but_others_still_need_it(tmp_path):
    """A fresh clone checks its migrations without DEBUG or SECRET_KEY; a command that touches
    data (migrate) still refuses to start without the key when DEBUG is off."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
        )

    checked = manage("makemigrations", "--check", "--dry-run")
    assert checked.returncode == 0 and "No changes detected" in checked.stdout, checked.stderr
    refused = manage("migrate", "--plan")
    assert refused.returncode != 0 and "SECRET_KEY must be set when DEBUG is off." in refused.stderr
