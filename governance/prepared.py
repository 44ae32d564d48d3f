"""Server-side prepared statements (PostgreSQL) for the few statements of the hottest paths.

Planning a statement of a few joins costs PostgreSQL more than running it: the resident demand
submit's lock statement takes about 0.45 ms to plan and 0.13 ms to run. `execute()` PREPAREs a
statement once per database connection (connections persist: CONN_MAX_AGE) and EXECUTEs it after,
so PostgreSQL plans it once (or keeps a generic plan after five runs).

Each connection remembers the names it prepared; a new connection (Django's `connection_created`
signal) starts with none. A prepared statement outlives a rolled-back transaction and lasts as
long as its connection's server session, so a name stays valid until the connection closes. That
needs a server session held by one client for its life: behind a pooler in transaction mode
(PgBouncer's `pool_mode = transaction`) clients share sessions, so turn this off there with
DATABASE_PREPARED_STATEMENTS=false (config/settings.py); the statements then run as plain ones.
"""

import re

from django.conf import settings
from django.db.backends.signals import connection_created

_NAMES = "prepared_statement_names"


def _forget(sender, connection, **kwargs):
    setattr(connection, _NAMES, set())


connection_created.connect(_forget, dispatch_uid="governance.prepared.forget")


def numbered(sql):
    """`sql` with its %s placeholders numbered $1, $2, … in order, as PREPARE needs them."""
    count = iter(range(1, sql.count("%s") + 1))
    return re.sub("%s", lambda _match: f"${next(count)}", sql)


def execute(cursor, name, sql, params, types):
    """Run `sql` (PostgreSQL; its parameters written %s, in order, `types` their SQL types) with
    `params` on `cursor` (a cursor of django.db.connection's kind), as the prepared statement
    `name` of the cursor's connection: PREPAREd the first time the connection runs it. Fetch the
    results from `cursor` as after cursor.execute."""
    if len(types) != len(params) or sql.count("%s") != len(params):
        raise ValueError(f"{name}: {len(params)} parameters, {len(types)} types, {sql.count('%s')} placeholders")
    if not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    connection = cursor.db
    names = getattr(connection, _NAMES, None)
    if names is None:  # a connection opened before this module was imported
        names = set()
        setattr(connection, _NAMES, names)
    # A statement without parameters has no list of them, here or below.
    if name not in names:
        listed = f" ({', '.join(types)})" if types else ""
        cursor.execute(f"PREPARE {name}{listed} AS {numbered(sql)}")
        names.add(name)
    listed = f" ({', '.join(['%s'] * len(params))})" if params else ""
    cursor.execute(f"EXECUTE {name}{listed}", params)
