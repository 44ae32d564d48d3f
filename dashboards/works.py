"""Works done (完成工程量): the national statistics quantities of the monthly progress reports,
added up level by level (逐级汇总): neighbourhood → community → street → district → city.

Rules:
- a project counts with its latest monthly report dated up to the as-of month (the reports are
  cumulative to their month's end); a report of a later month is never read, so the figures of a
  past month stay as they were when later reports come in;
- a project counts once, under its home neighbourhood (the lowest-id neighbourhood of the project
  in its lead street, projects.selectors.project_home_neighbourhood): a bundled project's works are
  not split between its neighbourhoods;
- the territory is what the scoping function lets the actor see of the neighbourhoods, narrowed to
  the chosen root (a district, street or community; the city is everything visible). A root the
  actor cannot see is a 404;
- each level is the sum of the level below it, starting from the neighbourhoods; units without a
  neighbourhood in the territory do not appear.

Two queries whatever the size: the neighbourhoods of the territory with their ancestors, and the
latest reports with their projects' home neighbourhood.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import Community, District, Neighbourhood, Street
from governance.scoping import scope, territory_of
from projects.models import ProgressReport, Project
from projects.selectors import latest_progress_reports, project_home_neighbourhood

CITY = "city"
DISTRICT = "district"
STREET = "street"
COMMUNITY = "community"
NEIGHBOURHOOD = "neighbourhood"
LEVELS = (CITY, DISTRICT, STREET, COMMUNITY, NEIGHBOURHOOD)
LEVEL_LABELS = {
    CITY: _("市"),
    DISTRICT: _("区"),
    STREET: _("街道"),
    COMMUNITY: _("社区"),
    NEIGHBOURHOOD: _("小区"),
}
ROOT_MODELS = {DISTRICT: District, STREET: Street, COMMUNITY: Community}
# The neighbourhood's path to the id of each level above it.
NEIGHBOURHOOD_PATHS = {
    DISTRICT: "community__street__district_id",
    STREET: "community__street_id",
    COMMUNITY: "community_id",
}

QUANTITY_FIELDS = ProgressReport.QUANTITY_FIELDS
REPORTING = "projects_reporting"


def quantity_columns():
    """(field, label) of every quantity, in the report's order; the label is the model's, with its unit."""
    return [(name, ProgressReport._meta.get_field(name).verbose_name) for name in QUANTITY_FIELDS]


# The quantities stored as decimals (the others, and REPORTING, are counts).
DECIMAL_FIELDS = frozenset(
    name for name in QUANTITY_FIELDS if ProgressReport._meta.get_field(name).get_internal_type() == "DecimalField"
)


def zero(name):
    """The zero of a figure: Decimal for quantities stored as decimals, int for counts."""
    return Decimal("0") if name in DECIMAL_FIELDS else 0


@dataclass(eq=False)
class Unit:
    """One unit of the territory tree with its figures (a dict: figure name → value)."""

    level: str
    pk: int | None
    name: str
    parent: "Unit | None" = None
    children: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def key(self):
        return (self.level, self.pk)

    def ancestors(self):
        """From the root down to this unit's parent (the breadcrumb)."""
        chain, unit = [], self.parent
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain[::-1]


@dataclass
class Tree:
    """The territory from its root down to the neighbourhoods, in display order."""

    root: Unit
    units: dict

    def level(self, level):
        """The units of one level, in tree order (each parent's children together)."""
        found = []

        def walk(unit):
            if unit.level == level:
                found.append(unit)
                return
            for child in unit.children:
                walk(child)

        walk(self.root)
        return found

    def get(self, level, pk):
        return self.units.get((level, pk))


def resolve_root(actor, level=CITY, pk=None):
    """The root unit of a figure the actor asked for; Http404 when the actor has no territory or
    may not see the whole unit. A role covers its own unit and the units inside it, never the unit
    above it (street staff asking for their district get a 404, not a district figure showing
    their street only). The city is what the actor sees: named 全市 for those who see everything."""
    territory = territory_of(actor)
    if territory.is_empty:
        raise Http404
    # A superuser, or a city official (市住建局) once that role reads every district.
    everything = territory.is_everything or getattr(territory, "reads_everything", False)
    if level == CITY:
        return Unit(CITY, None, str(_("全市") if everything else _("所辖范围")))
    model = ROOT_MODELS.get(level)
    if model is None or not isinstance(pk, int):
        raise Http404
    related = {DISTRICT: [], STREET: ["district"], COMMUNITY: ["street__district"]}[level]
    obj = scope(model.objects.filter(pk=pk), actor).select_related(*related).first()
    if obj is None:
        raise Http404
    ids = {
        DISTRICT: {DISTRICT: obj.pk},
        STREET: {DISTRICT: getattr(obj, "district_id", None), STREET: obj.pk},
        COMMUNITY: {
            DISTRICT: obj.street.district_id if level == COMMUNITY else None,
            STREET: getattr(obj, "street_id", None),
            COMMUNITY: obj.pk,
        },
    }[level]
    if not everything and not any(_covers(grant, ids) for grant in territory.grants):
        raise Http404
    # The units above the root are named (a breadcrumb, a report's columns), never added up.
    above = {
        DISTRICT: lambda: [],
        STREET: lambda: [obj.district],
        COMMUNITY: lambda: [obj.street.district, obj.street],
    }[level]()
    parent = None
    for ancestor_level, ancestor in zip(LEVELS[1:], above):
        parent = Unit(ancestor_level, ancestor.pk, ancestor.name, parent)
    return Unit(level, obj.pk, obj.name, parent)


def _covers(grant, ids):
    if grant.level not in LEVELS[1:4]:  # a role over the whole deployment
        return True
    return grant.level in ids and grant.id_at(grant.level) == ids[grant.level]


def territory_neighbourhoods(actor, root):
    """The neighbourhoods the actor sees under `root` (a Unit from resolve_root)."""
    neighbourhoods = scope(Neighbourhood.objects.all(), actor)
    if root.level != CITY:
        neighbourhoods = neighbourhoods.filter(**{NEIGHBOURHOOD_PATHS[root.level]: root.pk})
    return neighbourhoods


def unit_tree(actor, root):
    """The tree under `root`: one query (the neighbourhoods with their ancestors' ids and names,
    as plain rows: no model instances to build for every neighbourhood)."""
    rows = (
        territory_neighbourhoods(actor, root)
        .order_by(
            "community__street__district__name",
            "community__street__district_id",
            "community__street__name",
            "community__street_id",
            "community__name",
            "community_id",
            "name",
            "pk",
        )
        .values_list(
            "community__street__district_id",
            "community__street__district__name",
            "community__street_id",
            "community__street__name",
            "community_id",
            "community__name",
            "pk",
            "name",
        )
    )
    units = {root.key: root}

    def child(parent, level, pk, name):
        unit = units.get((level, pk))
        if unit is None:
            unit = Unit(level, pk, name, parent)
            units[unit.key] = unit
            parent.children.append(unit)
        return unit

    start = LEVELS.index(root.level)
    # Each level below the root with the position of its (id, name) in a row (the district's first).
    levels = [(level, 2 * (start + k)) for k, level in enumerate(LEVELS[start + 1 :])]
    previous = [None] * len(levels)  # the previous row's unit at each level: rows come in tree order
    for row in rows:
        parent = root
        for k, (level, at) in enumerate(levels):
            unit = previous[k]
            if unit is None or unit.pk != row[at] or unit.parent is not parent:
                unit = previous[k] = child(parent, level, row[at], row[at + 1])
            parent = unit
    return Tree(root, units)


def add_up(tree, names):
    """Level by level from the neighbourhoods up: each unit's figures `names` become the sum of its
    children's (a neighbourhood keeps what was put on it)."""
    zeros = {name: zero(name) for name in names}
    for level in reversed(LEVELS[:-1]):
        for unit in tree.level(level):
            totals = dict(zeros)
            for child in unit.children:
                for name, value in child.figures.items():
                    if name in totals:
                        totals[name] += value
            unit.figures.update(totals)


def works_rollup(actor, month, *, level=CITY, pk=None, year=None, root=None, tree=None, projects=None):
    """The works done as of `month` under the root (level, pk), added up level by level: a Tree
    whose every unit's figures hold each quantity of QUANTITY_FIELDS and REPORTING (the number of
    projects counted). `year`: only the projects of that plan year; `projects`: only those of this
    Project queryset; `root`, `tree`: an already resolved root and tree to fill. Two queries."""
    root = root or (tree.root if tree else resolve_root(actor, level, pk))
    tree = tree or unit_tree(actor, root)
    projects = _projects(year) if projects is None else projects
    reports = latest_progress_reports(month, projects).annotate(
        home=project_home_neighbourhood("project_id", "project__lead_street_id")
    )
    reports = reports.filter(home__in=territory_neighbourhoods(actor, root).values("pk"))
    zeros = {name: zero(name) for name in (*QUANTITY_FIELDS, REPORTING)}
    for unit in tree.level(NEIGHBOURHOOD):
        unit.figures.update(zeros)
    for row in reports.order_by().values("home", *QUANTITY_FIELDS):
        unit = tree.get(NEIGHBOURHOOD, row["home"])
        if unit is None:  # not possible: the query keeps the homes of the tree
            continue
        for name in QUANTITY_FIELDS:
            unit.figures[name] += row[name]
        unit.figures[REPORTING] += 1
    add_up(tree, (*QUANTITY_FIELDS, REPORTING))
    return tree


def _projects(year):
    projects = Project.objects.all()
    return projects if year is None else projects.filter(year=year)


def parse_territory(text):
    """(level, pk) from "city", "district:<id>", "street:<id>" or "community:<id>"; ValueError
    naming the field otherwise."""
    text = (text or "").strip()
    if text == CITY:
        return CITY, None
    level, _sep, pk = text.partition(":")
    if level in ROOT_MODELS and pk.isdigit() and len(pk) <= 12:
        return level, int(pk)
    raise ValueError(
        gettext("区域须写作 city、district:编号、street:编号 或 community:编号，现为“%(value)s”。")
        % {"value": text[:40]}
    )


def default_root(actor):
    """The root a figure starts from when none is asked: the actor's one territory (a district
    official's district, street staff's street ...), the city for a superuser or several roles."""
    territory = territory_of(actor)
    if territory.is_everything or len(territory.grants) != 1:
        return CITY, None
    grant = territory.grants[0]
    return grant.level, grant.id_at(grant.level)
