"""Serializers of the projects API: input and output only; every write goes through a service."""

import functools
import json
from decimal import Decimal

from django.utils.translation import get_language
from rest_framework import serializers

from governance.api.fields import BoundedTextMixin, ScopedModelSerializer, ScopedRelatedField
from governance.bounds import TEXT_MAX
from governance.models import Neighbourhood, Street

from ..choices import Stage
from ..models import (
    CatalogueItem,
    Notice,
    ProgressReport,
    Project,
    ProjectTransition,
    ScopeItem,
    SupervisionFinding,
)
from ..permissions import catalogue_visible_to


def CatalogueField():
    """A works-menu item among those the actor reads (the national items and their districts')."""
    return ScopedRelatedField(CatalogueItem, visible=catalogue_visible_to)


class CatalogueItemSerializer(BoundedTextMixin, serializers.ModelSerializer):
    work_class_display = serializers.CharField(source="get_work_class_display", read_only=True)
    unit_display = serializers.CharField(source="get_unit_display", read_only=True)

    class Meta:
        model = CatalogueItem
        fields = [
            "id",
            "code",
            "name",
            "work_class",
            "work_class_display",
            "unit",
            "unit_display",
            "reference_unit_cost",
            "description",
            "active",
            "district",
        ]


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Plain strings: the stage enum is described once, on Project.stage.
    from_stage = serializers.CharField(read_only=True)
    to_stage = serializers.CharField(read_only=True)

    class Meta:
        model = ProjectTransition
        fields = ["from_stage", "to_stage", "actor", "at", "note"]


class ProjectSerializer(ScopedModelSerializer):
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    stage_before_suspension = serializers.CharField(read_only=True)
    neighbourhoods = ScopedRelatedField(Neighbourhood, many=True)
    lead_street = ScopedRelatedField(Street, write=False)
    building_count = serializers.IntegerField(read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    floor_area_total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "year",
            "stage",
            "stage_display",
            "stage_before_suspension",
            "lead_street",
            "neighbourhoods",
            "budget",
            "contractor",
            "supervisor",
            "contract_amount",
            "planned_start_on",
            "planned_end_on",
            "started_on",
            "completed_on",
            "building_count",
            "household_count",
            "floor_area_total",
        ]
        read_only_fields = ["stage", "stage_before_suspension"]


_CENT = Decimal("0.01")


def _decimal(value):
    """A DecimalField of 2 places as DRF writes it (COERCE_DECIMAL_TO_STRING): '1234.50'."""
    return None if value is None else f"{value.quantize(_CENT):f}"


def _date(value):
    return None if value is None else value.isoformat()


# The project columns project_list_rows reads (neighbourhood_totals: ProjectQuerySet.
# annotate_neighbourhood_totals).
PROJECT_LIST_VALUES = (
    "id",
    "code",
    "name",
    "year",
    "stage",
    "stage_before_suspension",
    "lead_street_id",
    "budget",
    "contractor",
    "supervisor",
    "contract_amount",
    "planned_start_on",
    "planned_end_on",
    "started_on",
    "completed_on",
    "neighbourhood_totals",
)


@functools.cache
def _stage_labels(language):
    """{stage: its label in `language`} (the active language, which the labels are translated
    into): read once a language, not nine gettext calls a request."""
    return {value: str(label) for value, label in Stage.choices}


def project_list_rows(projects):
    """What ProjectSerializer(projects, many=True).data holds, field for field (a test compares
    them), written directly: the list endpoint's rows without building the serializer's fields and
    running each field's machinery per row (most of the list's time on a page of 50).
    `projects`: dicts of PROJECT_LIST_VALUES. The coverage is the sum of the neighbourhoods'
    stored totals, as ProjectQuerySet.annotate_coverage() gives it."""
    stage_labels = _stage_labels(get_language())
    rows = []
    for project in projects:
        covered = json.loads(project["neighbourhood_totals"], parse_float=Decimal)
        rows.append(
            {
                "id": project["id"],
                "code": project["code"],
                "name": project["name"],
                "year": project["year"],
                "stage": project["stage"],
                "stage_display": stage_labels.get(project["stage"], project["stage"]),
                "stage_before_suspension": project["stage_before_suspension"],
                "lead_street": project["lead_street_id"],
                "neighbourhoods": [n[0] for n in covered],
                "budget": _decimal(project["budget"]),
                "contractor": project["contractor"],
                "supervisor": project["supervisor"],
                "contract_amount": _decimal(project["contract_amount"]),
                "planned_start_on": _date(project["planned_start_on"]),
                "planned_end_on": _date(project["planned_end_on"]),
                "started_on": _date(project["started_on"]),
                "completed_on": _date(project["completed_on"]),
                "building_count": sum(n[1] for n in covered),
                "household_count": sum(n[2] for n in covered),
                "floor_area_total": _decimal(sum((n[3] for n in covered), Decimal("0"))),
            }
        )
    return rows


class ProjectDetailSerializer(ProjectSerializer):
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "transitions"]


class TransitionRequestSerializer(serializers.Serializer):
    # A string checked against the stages (not a second enum of the same choices in the schema).
    to = serializers.CharField(
        max_length=30,
        help_text="candidate, consultation, tender, construction, acceptance, aftercare, "
        "closed, suspended or cancelled"
    )

    def validate_to(self, value):
        if value not in Stage.values:
            raise serializers.ValidationError(f"“{value}”不是有效的阶段。")
        return value

    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class ScopeItemSerializer(ScopedModelSerializer):
    project = ScopedRelatedField(Project)
    neighbourhood = ScopedRelatedField(Neighbourhood)
    catalogue_item = CatalogueField()
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)

    class Meta:
        model = ScopeItem
        fields = [
            "id",
            "project",
            "neighbourhood",
            "catalogue_item",
            "planned_quantity",
            "unit_cost",
            "planned_amount",
            "actual_quantity",
            "actual_amount",
            "no_actual_reason",
            "note",
        ]
        read_only_fields = ["planned_amount"]


class ProgressReportSerializer(ScopedModelSerializer):
    project = ScopedRelatedField(Project)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "month",
            "percent_complete",
            "investment_to_date",
            *ProgressReport.QUANTITY_FIELDS,
            "note",
            "reported_by",
            "created_at",
        ]
        read_only_fields = ["reported_by", "created_at"]


class FindingSerializer(ScopedModelSerializer):
    project = ScopedRelatedField(Project)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupervisionFinding
        fields = [
            "id",
            "project",
            "source",
            "supervisor_name",
            "severity",
            "description",
            "opened_at",
            "is_open",
            "resolved_at",
            "resolution_note",
            "reported_by",
            "resolved_by",
        ]
        read_only_fields = ["resolved_at", "resolution_note", "reported_by", "resolved_by"]
        extra_kwargs = {"opened_at": {"required": False}}


class ResolveSerializer(serializers.Serializer):
    resolution_note = serializers.CharField(max_length=TEXT_MAX)


class NoticeSerializer(ScopedModelSerializer):
    project = ScopedRelatedField(Project)

    class Meta:
        model = Notice
        fields = [
            "id",
            "project",
            "kind",
            "title",
            "body",
            "starts_on",
            "ends_on",
            "published_by",
            "created_at",
        ]
        read_only_fields = ["published_by", "created_at"]
