"""Tests that race real transactions against each other: calls run at the same moment, one thread
(and so one database connection) each. Only PostgreSQL runs them: SQLite serialises its writers."""

import threading

import pytest
from django.db import connection, connections

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers: no race to show"
)


def at_once(calls, join_timeout=None):
    """Run the calls at the same moment, one thread each, released together by a barrier; return
    what each returned, or the exception it raised (the caller asserts on it). Each thread closes
    its database connection when done. With `join_timeout`, a call still running after it leaves
    None in its place instead of hanging the test."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - returned to the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    return results


def errors_of(results):
    """The exceptions among `at_once`'s results."""
    return [r for r in results if isinstance(r, Exception)]
