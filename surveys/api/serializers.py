"""Serializers of the surveys API: input and output only; every write goes through a service.
Households appear by id only (staff of the territory may look them up); no names or phones."""

from rest_framework import serializers

from governance.api.fields import BoundedTextMixin, ScopedModelSerializer, ScopedRelatedField
from governance.bounds import TEXT_MAX, text_max
from governance.models import Neighbourhood

from ..choices import ReviewDecision
from ..models import (
    ConsultationProcess,
    ConsultationStep,
    DemandList,
    Meeting,
    Opinion,
    Question,
    Questionnaire,
    QuestionOption,
    ProcessTemplate,
    StepReview,
    Vote,
)
from ..permissions import templates_visible_to
from ..services import MEETING_FIELDS


class StepReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.StringRelatedField()
    reopened_step = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = StepReview
        fields = ["id", "decision", "department", "comments", "reopened_step", "reviewer", "at"]


class StepSerializer(BoundedTextMixin, serializers.ModelSerializer):
    reviews = StepReviewSerializer(many=True, read_only=True)

    class Meta:
        model = ConsultationStep
        fields = [
            "id",
            "process",
            "order",
            "code",
            "name",
            "direction",
            "status",
            "rounds",
            "closes_demand_list",
            "needs_vote",
            "opened_at",
            "completed_at",
            "note",
            "reviews",
        ]


class StepBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsultationStep
        fields = ["id", "code", "name", "direction", "status", "rounds"]


class ProcessSerializer(ScopedModelSerializer):
    steps = StepBriefSerializer(many=True, read_only=True)
    template = ScopedRelatedField(ProcessTemplate, visible=templates_visible_to)

    class Meta:
        model = ConsultationProcess
        fields = ["id", "project", "template", "started_at", "steps"]
        read_only_fields = ["started_at"]


class StepCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class StepReviewRequestSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    department = serializers.CharField(max_length=80)
    comments = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class ProcessRowSerializer(ScopedModelSerializer):
    """A row recorded in a consultation process (a meeting, an opinion): its process, its step if
    any, its neighbourhood, each among those the actor may write."""

    process = ScopedRelatedField(ConsultationProcess)
    step = ScopedRelatedField(ConsultationStep, required=False, allow_null=True)
    neighbourhood = ScopedRelatedField(Neighbourhood)


class MeetingSerializer(ProcessRowSerializer):
    class Meta:
        model = Meeting
        fields = ["id", *MEETING_FIELDS]


class OpinionSerializer(ProcessRowSerializer):
    class Meta:
        model = Opinion
        fields = [
            "id",
            "process",
            "step",
            "neighbourhood",
            "household",
            "source",
            "text",
            "answer",
            "answer_text",
            "answered_at",
            "created_at",
        ]
        read_only_fields = ["household", "answer", "answer_text", "answered_at", "created_at"]


class OpinionAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(
        choices=[c for c in Opinion._meta.get_field("answer").choices if c[0] != "pending"]
    )
    answer_text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_max(Opinion._meta.get_field("answer_text"))
    )


class DemandListSerializer(BoundedTextMixin, serializers.ModelSerializer):
    class Meta:
        model = DemandList
        fields = ["id", "project", "neighbourhood", "intro", "is_open", "opened_at", "closed_at"]


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuestionOption
        fields = ["id", "order", "text"]


class QuestionSerializer(serializers.ModelSerializer):
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = ["id", "order", "text", "kind", "required", "options"]


class QuestionnaireSerializer(BoundedTextMixin, serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "neighbourhood",
            "project",
            "step",
            "title",
            "intro",
            "status",
            "opened_at",
            "closed_at",
            "questions",
        ]


class VoteSerializer(BoundedTextMixin, serializers.ModelSerializer):
    class Meta:
        model = Vote
        fields = [
            "id",
            "project",
            "plan_version",
            "title",
            "matter_type",
            "scope",
            "neighbourhood",
            "building",
            "stairwell",
            "rule",
            "rule_reason",
            "opens_at",
            "closes_at",
            "status",
            "passed",
            "closed_at",
        ]
