"""The map of a unit's neighbourhoods (issue 10, item 7): each neighbourhood at its recorded
location (Neighbourhood.latitude/longitude), coloured by the stage of its project.

No tile server and no map data from anywhere: the chart is a scatter on a longitude/latitude plane
built from the points alone (static/dashboards/charts.js), so it draws on an intranet.

Which project colours a neighbourhood: its latest project (highest plan year, then the latest
recorded) of a plan year up to the chosen one, recorded by the as-of date and not cancelled by
then; its stage is the one it was in at the as-of date (its last recorded move by then, like the
stage funnel). A neighbourhood without such a project is "not yet a project" (未立项). A
neighbourhood without a recorded location is not drawn; the page counts them.

One query whatever the size of the data: the unit's neighbourhoods that the actor sees, each with
its project and that project's stage.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from projects.choices import Stage
from governance.models import Neighbourhood
from projects.models import Project, ProjectTransition
from projects.selectors import MAIN_LINE

from . import units as f
from .tables import Table

NO_PROJECT = "none"
# The map's categories in legend order, with their colours (colour-blind-safe enough to tell the
# main line apart: greys before the works, warm colours during them, greens after).
MAP_STAGES = (*MAIN_LINE, Stage.SUSPENDED, NO_PROJECT)
STAGE_COLOURS = {
    Stage.CANDIDATE: "#8c8c8c",
    Stage.CONSULTATION: "#f0a020",
    Stage.TENDER: "#8e5cc4",
    Stage.CONSTRUCTION: "#d9433b",
    Stage.ACCEPTANCE: "#2f7ed8",
    Stage.AFTERCARE: "#34a853",
    Stage.CLOSED: "#1b5e3a",
    Stage.SUSPENDED: "#7a5230",
    NO_PROJECT: "#c8ccd2",
}
# The levels whose page shows the map: the units with neighbourhoods below them.
MAP_LEVELS = (f.CITY, f.DISTRICT, f.STREET, f.COMMUNITY)
# The page lists at most this many rows beside the map (the export has them all).
TABLE_ROWS = 300


def stage_name(stage):
    return _("未立项") if stage == NO_PROJECT else Stage(stage).label


@dataclass(frozen=True)
class MapPoint:
    """One neighbourhood on the map (latitude/longitude None when not recorded)."""

    pk: int
    name: str
    latitude: object  # Decimal or None
    longitude: object
    project_pk: int | None
    project_code: str | None
    stage: str

    @property
    def located(self):
        return self.latitude is not None and self.longitude is not None

    @property
    def colour(self):
        return STAGE_COLOURS[self.stage]

    @property
    def stage_name(self):
        return stage_name(self.stage)


# The map's statement: each neighbourhood (of the scoped ids' SELECT) by name, with its latest
# project among the plan's (the projects' ids' SELECT), that project's code and its last recorded
# stage before the as-of date's end. Set-based: the latest project of every neighbourhood is ranked
# in one pass over the links (a window function, PostgreSQL's and SQLite's alike) instead of the
# same ordered subquery run again for each neighbourhood and each column.
MAP_SQL = """
SELECT n.id, n.name, n.latitude, n.longitude, latest.project_id, latest.code, latest.stage_then
FROM {neighbourhood} n
LEFT JOIN (
    SELECT l.neighbourhood_id, p.id AS project_id, p.code,
           (SELECT t.to_stage FROM {transition} t
            WHERE t.project_id = p.id AND t.at < %s
            ORDER BY t.at DESC, t.id DESC LIMIT 1) AS stage_then,
           ROW_NUMBER() OVER (
               PARTITION BY l.neighbourhood_id ORDER BY p.year DESC, p.created_at DESC, p.id DESC
           ) AS latest_rank
    FROM {link} l JOIN {project} p ON p.id = l.project_id
    WHERE l.neighbourhood_id IN ({hoods}) AND p.id IN ({plan})
) latest ON latest.neighbourhood_id = n.id AND latest.latest_rank = 1
WHERE n.id IN ({hoods})
ORDER BY n.name, n.id
"""
# The model fields of the statement's columns, whose converters the rows go through.
MAP_COLUMNS = (
    (Neighbourhood, "id"),
    (Neighbourhood, "name"),
    (Neighbourhood, "latitude"),
    (Neighbourhood, "longitude"),
    (Project, "id"),
    (Project, "code"),
    (ProjectTransition, "to_stage"),
)


def _map_rows(actor, unit, period):
    """The map statement's rows: (id, name, latitude, longitude, project id, code, stage then).
    One query; the scoped neighbourhoods and the plan's projects are compiled by the ORM."""
    hoods = f.scoped_neighbourhoods(actor, unit).order_by().values("pk")  # no model ordering to sort
    using = hoods.db  # the replica while a dashboards view runs (config/routers.py), if set up
    cancelled = ProjectTransition.objects.filter(
        project=OuterRef("pk"), to_stage=Stage.CANCELLED, at__lt=period.as_of_end
    )
    plan = (
        Project.objects.filter(year__lte=period.year, created_at__lt=period.as_of_end)
        .exclude(Exists(cancelled))
        .order_by()
        .values("pk")
    )
    compiler = hoods.query.get_compiler(using)
    hoods_sql, hoods_params = compiler.as_sql()
    plan_sql, plan_params = plan.query.get_compiler(using).as_sql()
    connection = connections[using]
    sql = MAP_SQL.format(
        transition=ProjectTransition._meta.db_table,
        neighbourhood=Neighbourhood._meta.db_table,
        link=Project.neighbourhoods.through._meta.db_table,
        project=Project._meta.db_table,
        hoods=hoods_sql,
        plan=plan_sql,
    )
    end = connection.ops.adapt_datetimefield_value(period.as_of_end)
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, *hoods_params, *plan_params, *hoods_params])
        rows = cursor.fetchall()
    columns = [model._meta.get_field(name).get_col(model._meta.db_table) for model, name in MAP_COLUMNS]
    converters = compiler.get_converters(columns)
    return list(compiler.apply_converters(rows, converters)) if converters else rows


def map_points(actor, unit, period):
    """Every neighbourhood of `unit` that `actor` sees, by name, as MapPoints (one query)."""
    points = []
    for pk, name, latitude, longitude, project, code, stage in _map_rows(actor, unit, period):
        if project is None:
            stage = NO_PROJECT
        else:
            stage = stage or Stage.CANDIDATE.value  # no move recorded by then
            if stage not in STAGE_COLOURS:  # cancelled after the as-of date: not possible here
                stage = NO_PROJECT
        points.append(MapPoint(pk, name, latitude, longitude, project, code, stage))
    return points


def map_figures(actor, unit, period):
    """The map of `unit`: {"points": [MapPoint located], "missing": [MapPoint without a location],
    "stages": [{"stage", "name", "colour", "count"}] for the stages present, in legend order}."""
    points = map_points(actor, unit, period)
    located = [p for p in points if p.located]
    counts = {}
    for point in located:
        counts[point.stage] = counts.get(point.stage, 0) + 1
    stages = [
        {"stage": stage, "name": stage_name(stage), "colour": STAGE_COLOURS[stage], "count": counts[stage]}
        for stage in MAP_STAGES
        if stage in counts
    ]
    return {"points": located, "missing": [p for p in points if not p.located], "stages": stages}


def map_table(figures):
    """The table beside the map, every located neighbourhood (the page shows the first TABLE_ROWS)."""
    names = {stage: stage_name(stage) for stage in MAP_STAGES}  # once a stage, not once a point
    return Table(
        "map",
        _("小区分布"),
        [
            (_("小区"), "text"),
            (_("项目编号"), "text"),
            (_("阶段"), "text"),
            (_("纬度"), "text"),
            (_("经度"), "text"),
        ],
        [[p.name, p.project_code or "", names[p.stage], str(p.latitude), str(p.longitude)] for p in figures["points"]],
        links=[(f.NEIGHBOURHOOD, p.pk) for p in figures["points"]],
    )


def map_chart(figures, link_prefix, link_suffix):
    """The chart's data for static/dashboards/charts.js: a series per stage, each point
    [longitude, latitude, neighbourhood id, name]; a click opens link_prefix + id + link_suffix."""
    data = {str(stage["stage"]): [] for stage in figures["stages"]}
    for p in figures["points"]:  # one pass, each point into its stage's series
        data[p.stage].append([float(p.longitude), float(p.latitude), p.pk, p.name])
    series = [
        {"name": str(stage["name"]), "color": stage["colour"], "data": data[str(stage["stage"])]}
        for stage in figures["stages"]
    ]
    return {
        "type": "map",
        "categories": [s["name"] for s in series],
        "series": series,
        "link": {"prefix": link_prefix, "suffix": link_suffix},
        "axes": {"longitude": str(_("经度")), "latitude": str(_("纬度"))},
    }
