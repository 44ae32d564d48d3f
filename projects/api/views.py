"""The projects API. Reads are scoped by the base classes; writes call the services, whose
refusals are answered by governance.api.errors (a bad field 400; a refused move 409 with every reason)."""

from django.db import router
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.base import NO_DELETE, ScopedModelViewSet, ScopedReadOnlyViewSet, ServiceWritesMixin
from governance.api.compiled import CompiledValues
from governance.api.pagination import FirstPageCountPagination
from governance.scoping import territory_of

from ..models import Notice, ProgressReport, Project, ProjectTransition, ScopeItem, SupervisionFinding
from ..permissions import catalogue_visible_to
from ..services import (
    finding_resolve,
    finding_save,
    notice_save,
    progress_report_save,
    project_save,
    project_transition,
    scope_item_delete,
    scope_item_save,
)
from . import filters, serializers


class CatalogueItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The works menu. Not territorial (the national menu is the same for everyone), so it does not
    derive from the scoped base: its queryset is projects.permissions.catalogue_visible_to, the
    national items plus those of the actor's districts, and the same role permission applies."""

    serializer_class = serializers.CatalogueItemSerializer
    permission_classes = ScopedReadOnlyViewSet.permission_classes
    filterset_fields = ["work_class", "active", "district", "unit"]

    def get_queryset(self):
        return catalogue_visible_to(self.request.user).order_by("work_class", "sort_order", "code")


class ProjectViewSet(ServiceWritesMixin, ScopedModelViewSet):
    queryset = Project.objects.all()
    pagination_class = FirstPageCountPagination
    serializer_class = serializers.ProjectSerializer
    filterset_class = filters.ProjectFilter
    http_method_names = NO_DELETE  # projects are cancelled, not deleted

    def scoped_source(self):
        if self.action == "list":
            # Plain values, each project's neighbourhoods and their stored totals in the same query.
            return Project.objects.annotate_neighbourhood_totals().order_by("-year", "code")
        source = (
            Project.objects.select_related("lead_street")
            .prefetch_related("neighbourhoods")
            .annotate_coverage()
            .order_by("-year", "code")
        )
        if self.action == "retrieve":
            source = source.prefetch_related(
                Prefetch(
                    "transitions",
                    queryset=ProjectTransition.objects.select_related("actor").order_by("at", "id"),
                )
            )
        return source

    def list(self, request, *args, **kwargs):
        """As DRF's list, each page's rows written by project_list_rows (ProjectSerializer's
        output, without the serializer's per-request cost), from one query of plain values.
        Without a filter asked for, the filter set (which would change nothing) is not run, and
        the first page's statement is compiled once per territory (governance.api.compiled)."""

        if set(request.query_params) - {"page"}:
            queryset = self.filter_queryset(self.get_queryset()).values(*serializers.PROJECT_LIST_VALUES)
        else:
            key = ("projects list", territory_of(request.user))  # a read: scope(write=False)
            queryset = CompiledValues(
                key,
                lambda: self.get_queryset().values(*serializers.PROJECT_LIST_VALUES),
                router.db_for_read(Project),
            )
        page = self.paginate_queryset(queryset)
        rows = serializers.project_list_rows(list(queryset) if page is None else page)
        return Response(rows) if page is None else self.get_paginated_response(rows)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ProjectDetailSerializer
        if self.action == "transition":
            return serializers.TransitionRequestSerializer
        return serializers.ProjectSerializer

    def save(self, instance, m2m):
        neighbourhoods = m2m.get("neighbourhoods")
        if neighbourhoods is None:
            neighbourhoods = list(instance.neighbourhoods.all())
        project = project_save(project=instance, neighbourhoods=neighbourhoods, actor=self.request.user)
        return self.scoped_source().get(pk=project.pk)

    @extend_schema(
        request=serializers.TransitionRequestSerializer,
        responses={
            200: serializers.ProjectSerializer,
            409: inline_serializer(
                "Refused", {"reasons": drf_serializers.ListField(child=drf_serializers.CharField())}
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the project to stage `to` (with a `note`). 409 with `reasons` when the table or a
        gate refuses; 404 outside the actor's territory."""
        project = self.get_object()
        body = serializers.TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project_transition(
            project=project,
            to=body.validated_data["to"],
            actor=request.user,
            note=body.validated_data["note"],
        )
        fresh = Project.objects.prefetch_related("neighbourhoods").annotate_coverage().get(pk=project.pk)
        return Response(serializers.ProjectSerializer(fresh, context=self.get_serializer_context()).data)


class ScopeItemViewSet(ServiceWritesMixin, ScopedModelViewSet):
    queryset = ScopeItem.objects.all()
    serializer_class = serializers.ScopeItemSerializer
    filterset_class = filters.ScopeItemFilter

    def scoped_source(self):
        return ScopeItem.objects.order_by("project_id", "neighbourhood_id", "id")

    def save(self, instance, m2m):
        return scope_item_save(item=instance, actor=self.request.user)

    def perform_destroy(self, instance):
        scope_item_delete(item=instance, actor=self.request.user)


class ProgressReportViewSet(ServiceWritesMixin, ScopedModelViewSet):
    queryset = ProgressReport.objects.all()
    serializer_class = serializers.ProgressReportSerializer
    filterset_class = filters.ProgressReportFilter
    http_method_names = NO_DELETE

    def scoped_source(self):
        return ProgressReport.objects.order_by("project_id", "-month")

    def save(self, instance, m2m):
        return progress_report_save(report=instance, actor=self.request.user)


class FindingViewSet(ServiceWritesMixin, ScopedModelViewSet):
    queryset = SupervisionFinding.objects.all()
    serializer_class = serializers.FindingSerializer
    filterset_class = filters.FindingFilter
    http_method_names = NO_DELETE

    def scoped_source(self):
        return SupervisionFinding.objects.order_by("-opened_at", "-id")

    def get_serializer_class(self):
        return serializers.ResolveSerializer if self.action == "resolve" else serializers.FindingSerializer

    def save(self, instance, m2m):
        return finding_save(finding=instance, actor=self.request.user)

    @extend_schema(request=serializers.ResolveSerializer, responses={200: serializers.FindingSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close the finding with a `resolution_note`."""
        finding = self.get_object()
        body = serializers.ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finding = finding_resolve(
            finding=finding, note=body.validated_data["resolution_note"], actor=request.user
        )
        return Response(serializers.FindingSerializer(finding, context=self.get_serializer_context()).data)


class NoticeViewSet(ServiceWritesMixin, ScopedModelViewSet):
    queryset = Notice.objects.all()
    serializer_class = serializers.NoticeSerializer
    filterset_class = filters.NoticeFilter
    http_method_names = NO_DELETE

    def scoped_source(self):
        return Notice.objects.order_by("-starts_on", "-id")

    def save(self, instance, m2m):
        return notice_save(notice=instance, actor=self.request.user)
