"""The API of joint meetings and their resolutions: read-only and scoped (written in the admin
through governance.services_meetings). `?overdue=true` on /resolutions/ keeps the overdue ones
(not done, past their due date): the follow-up list."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from ..meetings import JointMeeting, Resolution
from .base import ScopedReadOnlyViewSet
from .fields import BoundedTextMixin


class ResolutionSerializer(BoundedTextMixin, serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField(help_text="not done and past its due date")

    class Meta:
        model = Resolution
        fields = ["id", "meeting", "order", "text", "responsible_unit", "due_on", "status", "done_on", "progress", "overdue"]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class JointMeetingSerializer(BoundedTextMixin, serializers.ModelSerializer):
    resolutions = ResolutionSerializer(many=True, read_only=True)

    class Meta:
        model = JointMeeting
        fields = [
            "id", "level", "district", "street", "community", "neighbourhood", "kind", "held_on", "title",
            "participants", "bodies", "topics", "resolutions",
        ]


class JointMeetingViewSet(ScopedReadOnlyViewSet):
    """Joint meetings (联席会议) with their resolutions."""

    queryset = JointMeeting.objects.order_by("-held_on", "-id")
    serializer_class = JointMeetingSerializer
    filterset_fields = ["level", "kind", "district", "street", "community", "neighbourhood"]

    def scoped_source(self):
        return self.queryset.prefetch_related("resolutions", "bodies")


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("overdue", bool, description="true: only resolutions not done and past their due date")]
    )
)
class ResolutionViewSet(ScopedReadOnlyViewSet):
    """Resolutions of joint meetings, soonest due first; `?overdue=true` the overdue ones."""

    queryset = Resolution.objects.order_by("due_on", "meeting_id", "order", "id")
    serializer_class = ResolutionSerializer
    filterset_fields = ["meeting", "status"]

    def scoped_source(self):
        source = self.queryset.all()
        if self.request is not None and self.request.query_params.get("overdue") in ("true", "1", "yes"):
            source = source.overdue()
        return source
