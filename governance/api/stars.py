"""The API of star ratings: read-only and scoped (awarded and withdrawn in the admin through
governance.services_stars)."""

from rest_framework import serializers

from ..stars import StarRating
from .base import ScopedReadOnlyViewSet
from .fields import BoundedTextMixin


class StarRatingSerializer(BoundedTextMixin, serializers.ModelSerializer):
    star = serializers.CharField(source="dimension.name", read_only=True)
    star_code = serializers.CharField(source="dimension.code", read_only=True)

    class Meta:
        model = StarRating
        fields = [
            "id", "neighbourhood", "year", "dimension", "star", "star_code", "evidence", "rater", "rated_on",
            "status", "withdrawn_on", "withdrawal_reason",
        ]


class StarRatingViewSet(ScopedReadOnlyViewSet):
    """Star ratings of neighbourhoods (星级评定), latest year first; withdrawn ones with their reason."""

    queryset = StarRating.objects.order_by("-year", "neighbourhood_id", "dimension__order", "id")
    serializer_class = StarRatingSerializer
    filterset_fields = ["neighbourhood", "year", "status", "dimension"]

    def scoped_source(self):
        return self.queryset.select_related("dimension")
