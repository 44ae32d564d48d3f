"""The residents' reports API (随时反馈) for staff: list and detail scoped like the admin (a report
outside the actor's territory answers 404), `answer` and `close` through the services. District
and city officials read only. No phone, no owner: a report carries its household's building and
room, never the owner's name or contact."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.base import ScopedReadOnlyViewSet
from governance.bounds import TEXT_MAX

from ..reports import ReportCategory, ReportStatus, ResidentReport
from ..services_reports import report_answer, report_close


class ReportFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter(field_name="neighbourhood__community_id")
    street = django_filters.NumberFilter(field_name="neighbourhood__community__street_id")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    category = django_filters.ChoiceFilter(choices=ReportCategory.choices)
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = ResidentReport
        fields = ["neighbourhood", "community", "street", "status", "category", "submitted_before"]


class ReportSerializer(serializers.ModelSerializer):
    place = serializers.SerializerMethodField(help_text="The household's building and room.")
    photos = serializers.SerializerMethodField(help_text="URLs of the report's photos (re-encoded, no EXIF).")

    class Meta:
        model = ResidentReport
        fields = [
            "id",
            "neighbourhood",
            "place",
            "category",
            "text",
            "photos",
            "submitted_at",
            "status",
            "answer",
            "answered_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_place(self, report) -> str:
        return f"{report.household.building.name} {report.household.room}"

    def get_photos(self, report) -> list[str]:
        return [photo.image.url for photo in report.photos.all()]


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=TEXT_MAX)


class CloseSerializer(serializers.Serializer):
    answer = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True,
        help_text="Required when the report has no answer yet; else added to its answer.",
    )


class ResidentReportViewSet(ScopedReadOnlyViewSet):
    """Residents' reports of the actor's territory, newest first; `answer` and `close` write
    (street and community staff; officials get 403, a report outside the territory 404)."""

    queryset = ResidentReport.objects.all()
    serializer_class = ReportSerializer
    filterset_class = ReportFilter

    def scoped_source(self):
        return (
            ResidentReport.objects.select_related("household__building")
            .prefetch_related("photos")
            .order_by("-submitted_at", "-id")
        )

    def _write(self, request, service, body_class, **extra):
        report = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        report = service(report=report, actor=request.user, **body.validated_data, **extra)
        report = self.scoped_source().get(pk=report.pk)
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(request=AnswerSerializer, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Answer an open report (the household reads it on /me/)."""
        return self._write(request, report_answer, AnswerSerializer)

    @extend_schema(request=CloseSerializer, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a report (办结), with an answer if it has none."""
        return self._write(request, report_close, CloseSerializer)
