"""What the benchmark scripts share: the PostgreSQL server named by DATABASE_URL, the dedicated
bench database some of them drop and re-create on it, and the environment of the Django processes
they start.

The scripts run as `python bench/<script>.py`, so Python puts bench/ first on the module path and
they import this module as `common`.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")
BENCH_SECRET_KEY = "bench-only-not-a-secret"


def is_postgres(url):
    """Whether a database URL names a PostgreSQL server."""
    return urlsplit(url).scheme in POSTGRES_SCHEMES


def server_url(database):
    """DATABASE_URL with its database name replaced by `database`, and DATABASE_URL's own name."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        sys.exit("bench_seed: DATABASE_URL must name a PostgreSQL server (postgres://user@host:port/db)")
    return urlunsplit(parts._replace(path=f"/{database}")), parts.path.lstrip("/")


def maintenance_url():
    """The server's `postgres` database, from which a bench database is dropped and created."""
    return server_url("postgres")[0]


def bench_database_url(prog, database):
    """The URL of the bench database `database` on DATABASE_URL's server. Exits unless its name
    contains "bench" (so a real database is never dropped) and differs from DATABASE_URL's."""
    if "bench" not in database:
        sys.exit(f"{prog}: --database must contain 'bench' (it is dropped and re-created)")
    bench_url, source_db = server_url(database)
    if database == source_db:
        sys.exit(f"{prog}: --database must differ from the database in DATABASE_URL")
    return bench_url


def connect(url):
    import psycopg2

    parts = urlsplit(url)
    return psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )


def recreate(maintenance, database, *, create=True):
    """Drop `database` (closing its connections) and, unless create=False, create it empty;
    `maintenance` is the URL of another database on the same server (see maintenance_url)."""
    from psycopg2 import sql

    conn = connect(maintenance)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            if create:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    finally:
        conn.close()


def django_env(settings_module="config.settings", **extra):
    """The environment of a Django process the bench starts: this one's, with the settings module,
    DEBUG off (DEBUG keeps every query's SQL in memory), a SECRET_KEY and `extra`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY,
        **extra,
    }


def manage(env, *args):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)
