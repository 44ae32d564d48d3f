"""The dashboards' read replica (config/routers.py, DATABASE_REPLICA_URL).

The `replica` alias is set up here as the settings set it up, pointing at the test database
(TEST: MIRROR default); the tests are transactional, so what they write is committed and the
replica's own connection reads it. A dashboards page must then read the project's tables on
`replica` only, and sessions, users, other pages and every write stay on `default`."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from config.routers import REPLICA, ReplicaRouter, replica_reads
from governance.models import Neighbourhood
from tests.projects.factories import ProjectFactory

PROJECT_TABLES = ("governance_", "residents_", "projects_", "surveys_", "funding_")


@pytest.fixture
def replica(transactional_db):
    """The `replica` alias (a second connection to the test database, TEST: MIRROR default), the
    router and the middleware, as config/settings.py installs them when DATABASE_REPLICA_URL is
    set. The connection is made here rather than read from settings, which are read once."""
    default = connections["default"]
    connections[REPLICA] = type(default)({**default.settings_dict, "TEST": {"MIRROR": "default"}}, REPLICA)
    try:
        with override_settings(
            DATABASE_ROUTERS=["config.routers.ReplicaRouter"],
            MIDDLEWARE=[*settings.MIDDLEWARE, "config.routers.ReplicaReadsMiddleware"],
        ):
            yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]


def _tables(queries):
    return [q["sql"] for q in queries if any(t in q["sql"] for t in PROJECT_TABLES)]


def _get(client, url):
    with CaptureQueriesContext(connections["default"]) as primary:
        with CaptureQueriesContext(connections[REPLICA]) as replica:
            response = client.get(url)
    return response, primary.captured_queries, replica.captured_queries


def test_a_dashboards_page_reads_the_replica(client, territory, users, replica):
    today = datetime.date.today()
    ProjectFactory(code="P1", year=today.year, lead_street=territory.s1, neighbourhoods=[territory.n111])
    client.force_login(users.official)
    url = reverse("dashboards:unit", args=["district", territory.district.pk])
    response, primary, on_replica = _get(client, url)
    assert response.status_code == 200
    assert len(_tables(on_replica)) >= 5, on_replica  # the unit, the figures, the children ...
    assert _tables(primary) == []  # nothing of the project's tables on the primary
    assert any("django_session" in q["sql"] for q in primary)  # the session stays on the primary
    assert not any("django_session" in q["sql"] or "auth_user" in q["sql"] for q in on_replica)
    # The figures on the replica are the primary's: the page lists the district's streets.
    assert territory.s1.name in response.content.decode()


def test_an_export_reads_the_replica(client, territory, users, replica):
    client.force_login(users.official)
    url = reverse("dashboards:export", args=["district", territory.district.pk, "progress", "csv"])
    response, primary, on_replica = _get(client, url)
    assert response.status_code == 200
    assert _tables(on_replica) and not _tables(primary)


def test_other_pages_and_writes_stay_on_the_primary(client, territory, users, replica):
    client.force_login(users.superuser)
    response, primary, on_replica = _get(client, reverse("admin:governance_neighbourhood_changelist"))
    assert response.status_code == 200
    assert _tables(primary) and on_replica == []
    router = ReplicaRouter()
    assert router.db_for_read(Neighbourhood) is None
    with replica_reads():
        assert router.db_for_read(Neighbourhood) == REPLICA
        assert router.db_for_write(Neighbourhood) is None
        assert router.db_for_read(type(users.official)) is None  # auth stays on the primary
    assert router.allow_migrate(REPLICA, "governance") is False
    assert router.allow_migrate("default", "governance") is True


PRINT_DATABASES = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "replica": settings.DATABASES.get("replica", {}).get("NAME"),
    "mirror": settings.DATABASES.get("replica", {}).get("TEST", {}).get("MIRROR"),
    "routers": settings.DATABASE_ROUTERS,
    "middleware": "config.routers.ReplicaReadsMiddleware" in settings.MIDDLEWARE,
}))
"""


@pytest.mark.parametrize("replica_url", [None, "postgres://reader@127.0.0.1:5433/renovation"])
def test_the_setting_installs_the_replica_only_when_set(replica_url):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL",)}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true")
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    out = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    if replica_url:
        assert found["aliases"] == ["default", "replica"]
        assert found["replica"] == "renovation" and found["mirror"] == "default"
        assert found["routers"] == ["config.routers.ReplicaRouter"] and found["middleware"]
    else:
        assert found == {"aliases": ["default"], "replica": None, "mirror": None, "routers": [], "middleware": False}
