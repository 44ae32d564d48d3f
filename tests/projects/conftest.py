import pytest

from .factories import ProjectFactory


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


@pytest.fixture
def projects(territory):
    """Three projects: P1 (2024) over n111 and n121 and P2 (2025) over n121, both led by street S1;
    P3 (2025) over n211, led by street S2."""
    t = territory
    return {
        "p1": ProjectFactory(code="P1", lead_street=t.s1, neighbourhoods=[t.n111, t.n121], year=2024),
        "p2": ProjectFactory(code="P2", lead_street=t.s1, neighbourhoods=[t.n121], year=2025),
        "p3": ProjectFactory(code="P3", lead_street=t.s2, neighbourhoods=[t.n211], year=2025),
    }
