from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from ..bodies import Body
from ..models import Building, Community, District, Neighbourhood, Stairwell, Street
from ..grid import GridRole
from ..providers import Provider
from .base import ScopedReadOnlyViewSet
from .serializers import (
    BodySerializer,
    BuildingSerializer,
    CommunitySerializer,
    DistrictSerializer,
    GridRoleSerializer,
    NeighbourhoodSerializer,
    ProviderSerializer,
    StairwellSerializer,
    StreetSerializer,
)


class DistrictViewSet(ScopedReadOnlyViewSet):
    queryset = District.objects.order_by("name")
    serializer_class = DistrictSerializer


class StreetViewSet(ScopedReadOnlyViewSet):
    queryset = Street.objects.order_by("name")
    serializer_class = StreetSerializer
    filterset_fields = ["district"]


class CommunityViewSet(ScopedReadOnlyViewSet):
    queryset = Community.objects.order_by("name")
    serializer_class = CommunitySerializer
    filterset_fields = ["street"]


class NeighbourhoodViewSet(ScopedReadOnlyViewSet):
    queryset = Neighbourhood.objects.order_by("name")
    serializer_class = NeighbourhoodSerializer
    filterset_fields = ["community", "community__street", "built_year"]

    def scoped_source(self):
        return Neighbourhood.objects.annotate_eligibility().order_by("name", "id")


class BuildingViewSet(ScopedReadOnlyViewSet):
    queryset = Building.objects.order_by("neighbourhood_id", "name")
    serializer_class = BuildingSerializer
    filterset_fields = ["neighbourhood"]


class StairwellViewSet(ScopedReadOnlyViewSet):
    queryset = Stairwell.objects.order_by("building_id", "name")
    serializer_class = StairwellSerializer
    filterset_fields = ["building"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "reelection", str, enum=["due"], description="due: term ends within 60 days or has ended (待换届)"
            )
        ]
    )
)
class BodyViewSet(ScopedReadOnlyViewSet):
    """Self-governance bodies with their members (no phone); `?reelection=due` keeps those whose
    term ends within 60 days or has ended (待换届). Written in the admin (governance.services_bodies)."""

    queryset = Body.objects.order_by("community_id", "neighbourhood_id", "kind", "id")
    serializer_class = BodySerializer
    filterset_fields = ["community", "neighbourhood", "kind"]

    def scoped_source(self):
        source = self.queryset.prefetch_related("members")
        if self.request is not None and self.request.query_params.get("reelection") == "due":
            source = source.due_for_reelection()
        return source


class ProviderViewSet(ScopedReadOnlyViewSet):
    """The district's register of property service providers (written in the admin by superusers)."""

    queryset = Provider.objects.order_by("district_id", "name", "id")
    serializer_class = ProviderSerializer
    filterset_fields = ["district", "kind", "credit_code"]


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("current", str, enum=["yes"], description="yes: only the roles held today")]
    )
)
class GridRoleViewSet(ScopedReadOnlyViewSet):
    """The five heads (五长) and grid workers of each neighbourhood with the buildings and
    stairwells they cover (no phone); `?current=yes` keeps the roles held today. Written in the
    admin (governance.services_grid)."""

    queryset = GridRole.objects.order_by("neighbourhood_id", "order", "kind", "id")
    serializer_class = GridRoleSerializer
    filterset_fields = ["neighbourhood", "kind"]

    def scoped_source(self):
        source = self.queryset.prefetch_related("buildings", "stairwells")
        if self.request is not None and self.request.query_params.get("current") == "yes":
            source = source.current()
        return source
