"""The works done of one dashboard unit (issue 10, item 3) for the API: the unit's totals and its
child units', from dashboards/works.py's rollup (each project's latest monthly report up to the
as-of month, counted once under its home neighbourhood, added up level by level).

The projects counted are those of the period's plan year, as in the monthly report. A
neighbourhood's figures come from its community's tree (the works of the projects whose home it
is); a project's are its own latest report. Two queries (one for a project).
"""

from projects.models import Project
from projects.selectors import latest_progress_reports

from .. import works
from .units import CITY, NEIGHBOURHOOD, PROJECT

FIGURES = (*works.QUANTITY_FIELDS, works.REPORTING)


def _zeros():
    return {name: works.zero(name) for name in FIGURES}


def unit_works(actor, unit, period):
    """{"totals": {figure: value}, "children": [{"level", "pk", "name", "figures"}]} of `unit` (a
    figures.units.Unit already found through the scoping function), figures being every quantity
    of works.QUANTITY_FIELDS and works.REPORTING (the projects counted)."""
    if unit.level == PROJECT:
        totals = _zeros()
        reports = latest_progress_reports(period.month, Project.objects.filter(pk=unit.pk))
        for row in reports.order_by().values(*works.QUANTITY_FIELDS):
            for name in works.QUANTITY_FIELDS:
                totals[name] += row[name]
            totals[works.REPORTING] += 1
        return {"totals": totals, "children": []}
    if unit.level == NEIGHBOURHOOD:
        community = unit.obj.community
        root = works.Unit(works.COMMUNITY, community.pk, community.name)
    elif unit.level == CITY:
        root = works.Unit(works.CITY, None, unit.name)
    else:
        root = works.Unit(unit.level, unit.pk, unit.name)
    tree = works.works_rollup(actor, period.month, root=root, year=period.year)
    node = tree.get(works.NEIGHBOURHOOD, unit.pk) if unit.level == NEIGHBOURHOOD else tree.root
    if node is None or not node.figures:  # nothing of the unit is visible
        return {"totals": _zeros(), "children": []}
    children = [
        {"level": child.level, "pk": child.pk, "name": child.name, "figures": child.figures}
        for child in node.children
    ]
    return {"totals": {name: node.figures[name] for name in FIGURES}, "children": children}
