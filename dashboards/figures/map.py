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

from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from projects.choices import Stage
from projects.models import Project, ProjectTransition
from projects.selectors import MAIN_LINE, stage_as_of

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


def _latest_project(period):
    """The outer neighbourhood's latest project of a plan year up to the period's, recorded by the
    as-of date and not cancelled by then."""
    cancelled = ProjectTransition.objects.filter(
        project=OuterRef("pk"), to_stage=Stage.CANCELLED, at__lt=period.as_of_end
    )
    return (
        Project.objects.filter(
            neighbourhoods=OuterRef("pk"), year__lte=period.year, created_at__lt=period.as_of_end
        )
        .exclude(Exists(cancelled))
        .order_by("-year", "-created_at", "-pk")
    )


def map_points(actor, unit, period):
    """Every neighbourhood of `unit` that `actor` sees, by name, as MapPoints (one query)."""
    latest = _latest_project(period)
    rows = (
        f.scoped_neighbourhoods(actor, unit)
        .annotate(
            map_project=Subquery(latest.values("pk")[:1]),
            map_project_code=Subquery(latest.values("code")[:1]),
        )
        .annotate(map_stage=stage_as_of(period.as_of_end, project="map_project"))
        .order_by("name", "pk")
        .values_list("pk", "name", "latitude", "longitude", "map_project", "map_project_code", "map_stage")
    )
    points = []
    for pk, name, latitude, longitude, project, code, stage in rows:
        if project is None:
            stage = NO_PROJECT
        elif stage not in STAGE_COLOURS:  # cancelled after the as-of date: not possible here
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
    table = Table(
        "map",
        _("小区分布"),
        [
            (_("小区"), "text"),
            (_("项目编号"), "text"),
            (_("阶段"), "text"),
            (_("纬度"), "text"),
            (_("经度"), "text"),
        ],
        [[p.name, p.project_code or "", p.stage_name, str(p.latitude), str(p.longitude)] for p in figures["points"]],
    )
    table.links = [(f.NEIGHBOURHOOD, p.pk) for p in figures["points"]]
    return table


def map_chart(figures, link_prefix, link_suffix):
    """The chart's data for static/dashboards/charts.js: a series per stage, each point
    [longitude, latitude, neighbourhood id, name]; a click opens link_prefix + id + link_suffix."""
    series = []
    for stage in figures["stages"]:
        series.append(
            {
                "name": str(stage["name"]),
                "color": stage["colour"],
                "data": [
                    [float(p.longitude), float(p.latitude), p.pk, p.name]
                    for p in figures["points"]
                    if p.stage == stage["stage"]
                ],
            }
        )
    return {
        "type": "map",
        "categories": [s["name"] for s in series],
        "series": series,
        "link": {"prefix": link_prefix, "suffix": link_suffix},
        "axes": {"longitude": str(_("经度")), "latitude": str(_("纬度"))},
    }
