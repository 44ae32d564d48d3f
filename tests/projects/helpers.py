"""Building blocks of the lifecycle tests: a project that satisfies every gate, and registered
gates that pass or fail."""

import contextlib
import datetime
from decimal import Decimal

from django.utils import timezone

from projects import gates
from projects.models import Acceptance, CatalogueItem, Notice, ScopeItem
from projects.services import scope_item_save

from .factories import ProjectFactory


@contextlib.contextmanager
def registered_gates(**functions):
    """Register gate functions for the duration of the block, restoring the registry after."""
    saved = dict(gates._gates)
    try:
        for name, function in functions.items():
            gates.register_gate(name, function)
        yield
    finally:
        gates._gates.clear()
        gates._gates.update(saved)


def passing(project):
    return []


ALL_PASSING = {name: passing for name in gates.REGISTERED_GATES}


def scope_line(project, neighbourhood, item, quantity, unit_cost, **fields):
    """A scope item of `project` written directly (not through the service): `quantity` of the
    catalogue item `item` (or its code) at `unit_cost`, planned amount their product."""
    if isinstance(item, str):
        item = CatalogueItem.objects.get(code=item)
    quantity, unit_cost = Decimal(quantity), Decimal(unit_cost)
    return ScopeItem.objects.create(
        project=project,
        neighbourhood=neighbourhood,
        catalogue_item=item,
        planned_quantity=quantity,
        unit_cost=unit_cost,
        planned_amount=(quantity * unit_cost).quantize(Decimal("0.01")),
        **fields,
    )


def planned_line(project, neighbourhood, item, quantity, actor):
    """A scope item of `project` planned by `actor` through the service, which prices it:
    `quantity` of the catalogue item `item`."""
    line = ScopeItem(
        project=project, neighbourhood=neighbourhood, catalogue_item=item, planned_quantity=Decimal(quantity)
    )
    return scope_item_save(item=line, actor=actor)


def project_api_body(territory, code, name, budget, **fields):
    """The API body of a new 2026 project over n111, led by street S1."""
    return {
        "code": code,
        "name": name,
        "year": 2026,
        "lead_street": territory.s1.pk,
        "neighbourhoods": [territory.n111.pk],
        "budget": budget,
        **fields,
    }


def dated_notice(project, title, body, starts, ends, kind="plan"):
    """An unsaved notice of `project` shown from `starts` to `ends` days from today (negative: before)."""
    today = timezone.localdate()
    return Notice(
        project=project,
        kind=kind,
        title=title,
        body=body,
        starts_on=today + datetime.timedelta(days=starts),
        ends_on=today + datetime.timedelta(days=ends),
    )


def ready_project(territory, **fields):
    """A project over n111 that satisfies every internal gate of every move."""
    today = timezone.localdate()
    project = ProjectFactory(
        lead_street=territory.s1,
        neighbourhoods=[territory.n111],
        contractor="甜城建工",
        supervisor="甜城监理",
        contract_amount=Decimal("900000.00"),
        started_on=today - datetime.timedelta(days=30),
        **fields,
    )
    dated_notice(project, "改造方案公示", "方案", -10, -1).save()
    scope_line(
        project, territory.n111, "roads", "100", "180", actual_quantity=Decimal("98"), actual_amount=Decimal("17640")
    )
    Acceptance.objects.create(
        project=project,
        accepted_on=today,
        participants="街道、社区、施工、监理",
        resident_representatives="张三、李四",
        satisfaction_rate=Decimal("96.5"),
        passed=True,
    )
    return project
