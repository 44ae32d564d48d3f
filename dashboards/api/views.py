"""The dashboards API (issue 10, item 9): /api/v1/dashboards/ (the actor's top unit) and
/api/v1/dashboards/<level>/<id>/, the same figures as the pages as JSON, read-only.

Scoped exactly like the pages (dashboards/views.py finds the unit): any staff role reads, a unit
outside the actor's territory answers 404 like one that does not exist, a user without a role 403,
an anonymous client 401/403 (DRF's answer for the authentication it tried). Not view sets: there is
no queryset of rows to scope, each answer is one unit's aggregates found through `_unit`.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.base import RolePermission
from governance.scoping import territory_of

from .. import views as pages
from ..figures import map as fmap
from ..figures import units as f
from ..figures.overview import overview
from ..figures.works_done import unit_works
from .serializers import DashboardQuerySerializer, DashboardSerializer

UNIT_LEVELS = (f.DISTRICT, f.STREET, f.COMMUNITY, f.NEIGHBOURHOOD, f.PROJECT)


def _ancestors(territory, unit):
    """The units above `unit`, from the actor's top one (as the page's breadcrumb)."""
    top = pages._top_unit(territory)
    reached = top is None
    chain = []
    for level, obj in unit.ancestors:
        if not reached and (level, obj.pk) == top:
            reached = True
        if reached:
            chain.append({"level": level, "pk": obj.pk, "name": obj.name})
    return chain


def dashboard(actor, territory, unit, period):
    """Every figure of `unit` for the API: the overview, the works done and the map."""
    figures = overview(actor, unit, period)
    works = unit_works(actor, unit, period)
    mapped = None
    if unit.level in fmap.MAP_LEVELS:
        found = fmap.map_figures(actor, unit, period)
        mapped = {"points": found["points"], "missing_location": len(found["missing"]), "stages": found["stages"]}
    return {
        "unit": {"level": unit.level, "pk": unit.pk, "name": pages._title(territory, unit)},
        "ancestors": _ancestors(territory, unit),
        "period": {"year": period.year, "month": period.month, "as_of": period.as_of},
        **{key: figures[key] for key in ("groups", "rates", "years", "child_level", "children", "investment", "funnel")},
        "projects": figures["projects"],
        "works": works,
        "map": mapped,
    }


class DashboardBase(APIView):
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    http_method_names = ["get", "head", "options"]

    def answer(self, request, find_unit):
        territory = territory_of(request.user)
        unit = find_unit(territory)  # first: outside the territory is a 404 whatever the query
        query = DashboardQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        period = query.period()
        if unit.level == f.PROJECT:
            period = f.Period(year=unit.obj.year, month=period.month)
        data = dashboard(request.user, territory, unit, period)
        return Response(DashboardSerializer(data).data)


DESCRIPTION = (
    "The figures of the officials' dashboard page of a unit, for a plan year and as of the end of a "
    "month: neighbourhoods eligible / in the plan / started / completed (with buildings, households, "
    "floor area), the start rates (开工率), the five plan years up to the chosen one, the units one "
    "level down, the investment by source kind, the stage funnel, the works done (the plan year's "
    "projects' latest monthly reports up to the month, added up level by level) and the map of the "
    "neighbourhoods. Scoped like the pages: a unit outside the caller's territory is a 404."
)


class DashboardTopView(DashboardBase):
    @extend_schema(
        operation_id="dashboards_top",
        summary="The dashboard of the caller's top unit",
        description=DESCRIPTION + " This one: the city for a superuser or the city official (市住建局), "
        "else the unit of the caller's role.",
        parameters=[DashboardQuerySerializer],
        responses=DashboardSerializer,
    )
    def get(self, request):
        def find(territory):
            top = pages._top_unit(territory)
            if top is None:
                return f.Unit(f.CITY)
            return pages._unit(request, territory, *top)

        return self.answer(request, find)


class DashboardUnitView(DashboardBase):
    @extend_schema(
        operation_id="dashboards_unit",
        summary="The dashboard of a district, street, community, neighbourhood or project",
        description=DESCRIPTION,
        parameters=[
            OpenApiParameter("level", str, OpenApiParameter.PATH, enum=list(UNIT_LEVELS)),
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="the unit's id"),
            DashboardQuerySerializer,
        ],
        responses=DashboardSerializer,
    )
    def get(self, request, level, id):
        return self.answer(request, lambda territory: pages._unit(request, territory, level, id))
