from ..models import Building, Community, District, Neighbourhood, Stairwell, Street
from .base import ScopedReadOnlyViewSet
from .serializers import (
    BuildingSerializer,
    CommunitySerializer,
    DistrictSerializer,
    NeighbourhoodSerializer,
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
