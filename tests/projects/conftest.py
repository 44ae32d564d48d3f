import pytest


@pytest.fixture(autouse=True)
def national_menu(request):
    """The national menu comes from a data migration; a transactional test elsewhere in the run
    (the browser tests) flushes every table, so tests that use the database reload it if missing."""
    if "django_db" in {m.name for m in request.node.iter_markers()} or {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        from projects.catalogue_data import ensure_national_menu

        request.getfixturevalue("db")
        ensure_national_menu()


@pytest.fixture(autouse=True)
def isolated_gate_registry():
    """Each test starts with no registered gate and no listener, whatever the installed apps
    registered in their ready(): a test registers what it needs (tests/projects/helpers.py). Yields
    what was registered before (at start-up: what the installed apps registered)."""
    from projects import gates

    saved_gates, saved_listeners = dict(gates._gates), list(gates._listeners)
    gates._gates.clear()
    gates._listeners.clear()
    yield dict(saved_gates)
    gates._gates.clear()
    gates._gates.update(saved_gates)
    gates._listeners[:] = saved_listeners
