"""The read replica of the dashboards (optional: DATABASE_REPLICA_URL, see config/settings.py).

With DATABASE_REPLICA_URL set, settings add the `replica` database alias, this router and
`ReplicaReadsMiddleware`. The middleware marks a request whose view lives in the `dashboards`
app (the pages, their exports, the monthly report's download and the dashboards' API); while it
runs, the router sends the reads of the project's own apps (config/layers.py) to `replica`.
Everything else reads and writes `default`: the session and the signed-in user (a login must not
wait for the replica to catch up), every write, every other page. Without the setting none of this
is installed and every query goes to `default`, as before.

The dashboards never write (docs/architecture.md), so nothing they read on the replica is written
back; what they show may lag the primary by the replica's delay.
"""

import contextvars
from contextlib import contextmanager

from .layers import APPS

REPLICA = "replica"
_reading_from_replica = contextvars.ContextVar("reading_from_replica", default=False)
OWN_APPS = frozenset(app.rsplit(".", 1)[-1] for app in APPS)
REPLICA_VIEW_MODULES = ("dashboards.",)


@contextmanager
def replica_reads():
    """Inside this block the project's models are read from the replica (when one is set up)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """Reads of the project's own models inside `replica_reads()` go to `replica`."""

    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and model._meta.app_label in OWN_APPS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None  # always the primary

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema


class ReplicaReadsMiddleware:
    """Marks the requests whose view lives in the dashboards app: from the view's start to the
    response's end (templates and API renderers included), their reads go to the replica. Last in
    MIDDLEWARE, so the session and the user are read before it, from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_replica_reads_token", None)
            if token is not None:
                _reading_from_replica.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        module = (view_class or view_func).__module__ or ""
        if module.startswith(REPLICA_VIEW_MODULES):
            request._replica_reads_token = _reading_from_replica.set(True)
        return None
