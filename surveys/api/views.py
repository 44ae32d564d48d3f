"""The surveys API. Reads are scoped by the base classes; writes call the services: a
ValidationError answers 400, a refused step move 409 with every reason."""

from dataclasses import asdict

from django.db.models import Prefetch
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.base import NO_DELETE, ScopedModelViewSet, ScopedReadOnlyViewSet, ServiceWritesMixin

from ..models import ConsultationProcess, ConsultationStep, DemandList, Meeting, Opinion, Questionnaire, Vote
from ..selectors import demand_aggregate, opinion_counts, questionnaire_results
from ..services import (
    meeting_save,
    opinion_answer,
    opinion_save,
    process_start,
    step_complete,
    step_review,
)
from ..tally import tally
from . import serializers


def _plain(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ProcessViewSet(ScopedModelViewSet):
    """Consultation processes with their steps; POST starts one (project, template) and
    `opinions` gives "收集 N 条，采纳 M 条" per step."""

    queryset = ConsultationProcess.objects.all()
    serializer_class = serializers.ProcessSerializer
    filterset_fields = ["project", "template"]
    http_method_names = ["get", "post", "head", "options"]

    def scoped_source(self):
        return ConsultationProcess.objects.prefetch_related(
            Prefetch("steps", queryset=ConsultationStep.objects.order_by("order"))
        ).order_by("-started_at", "-id")

    def perform_create(self, serializer):
        serializer.instance = process_start(
            project=serializer.validated_data["project"],
            template=serializer.validated_data["template"],
            actor=self.request.user,
        )

    @action(detail=True, methods=["get"])
    def opinions(self, request, pk=None):
        counts = opinion_counts(self.get_object())
        return Response(
            {
                "total": {**asdict(counts.total), "summary": counts.total.summary},
                "steps": [{**asdict(s), "summary": s.summary} for s in counts.steps],
            }
        )


class StepViewSet(ScopedReadOnlyViewSet):
    """Consultation steps. POST `complete` (a down step, with a `note`) and `review` (an up
    step: `decision` approved/returned, `department`, `comments`); 409 with `reasons` when
    refused (order, evidence, vote), 400 for bad input."""

    queryset = ConsultationStep.objects.all()
    serializer_class = serializers.StepSerializer
    filterset_fields = ["process", "status", "direction", "code"]

    def scoped_source(self):
        return ConsultationStep.objects.prefetch_related(
            "reviews__reviewer", "reviews__reopened_step"
        ).order_by("process_id", "order")

    def _respond(self, step, call):
        call()
        fresh = self.scoped_source().get(pk=step.pk)
        return Response(serializers.StepSerializer(fresh, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], serializer_class=serializers.StepCompleteSerializer)
    def complete(self, request, pk=None):
        step = self.get_object()
        body = serializers.StepCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            step, lambda: step_complete(step=step, note=body.validated_data["note"], actor=request.user)
        )

    @action(detail=True, methods=["post"], serializer_class=serializers.StepReviewRequestSerializer)
    def review(self, request, pk=None):
        step = self.get_object()
        body = serializers.StepReviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(step, lambda: step_review(step=step, actor=request.user, **body.validated_data))


class MeetingViewSet(ServiceWritesMixin, ScopedModelViewSet):
    queryset = Meeting.objects.all()
    serializer_class = serializers.MeetingSerializer
    filterset_fields = ["process", "step", "neighbourhood", "kind"]
    http_method_names = NO_DELETE

    def scoped_source(self):
        return Meeting.objects.order_by("-held_on", "-id")

    def save(self, instance, m2m):
        return meeting_save(meeting=instance, actor=self.request.user)


class OpinionViewSet(ServiceWritesMixin, ScopedModelViewSet):
    """Opinions; POST `answer` with `answer` and `answer_text`."""

    queryset = Opinion.objects.all()
    serializer_class = serializers.OpinionSerializer
    filterset_fields = ["process", "step", "neighbourhood", "source", "answer"]
    http_method_names = NO_DELETE

    def scoped_source(self):
        return Opinion.objects.order_by("-created_at", "-id")

    def save(self, instance, m2m):
        return opinion_save(opinion=instance, actor=self.request.user)

    @action(detail=True, methods=["post"], serializer_class=serializers.OpinionAnswerSerializer)
    def answer(self, request, pk=None):
        opinion = self.get_object()
        body = serializers.OpinionAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opinion = opinion_answer(opinion=opinion, actor=request.user, **body.validated_data)
        return Response(serializers.OpinionSerializer(opinion, context=self.get_serializer_context()).data)


class DemandListViewSet(ScopedReadOnlyViewSet):
    """Demand lists; GET `aggregate`: the menu items ranked by the share of households (of this
    list's neighbourhood; `?scope=project` for the whole project)."""

    queryset = DemandList.objects.all()
    serializer_class = serializers.DemandListSerializer
    filterset_fields = ["project", "neighbourhood", "is_open"]

    def scoped_source(self):
        return DemandList.objects.select_related("project", "neighbourhood").order_by("-opened_at", "-id")

    @action(detail=True, methods=["get"])
    def aggregate(self, request, pk=None):
        demand_list = self.get_object()
        whole = request.query_params.get("scope") == "project"
        result = demand_aggregate(
            demand_list.project, neighbourhood=None if whole else demand_list.neighbourhood
        )
        return Response(
            {
                "households": result.households,
                "respondents": result.respondents,
                "response_rate": str(result.response_rate),
                "rows": [_plain(asdict(r)) for r in result.rows],
            }
        )


class QuestionnaireViewSet(ScopedReadOnlyViewSet):
    """Questionnaires with their questions; GET `results`: counts, shares, means (text answers
    included: staff of the territory only)."""

    queryset = Questionnaire.objects.all()
    serializer_class = serializers.QuestionnaireSerializer
    filterset_fields = ["neighbourhood", "project", "status"]

    def scoped_source(self):
        return Questionnaire.objects.prefetch_related("questions__options").order_by("-id")

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        return Response([_plain(asdict(r)) for r in questionnaire_results(self.get_object())])


class VoteViewSet(ScopedReadOnlyViewSet):
    """Votes; GET `tally`: every figure behind the verdict (stored at closing, live before)."""

    queryset = Vote.objects.all()
    serializer_class = serializers.VoteSerializer
    filterset_fields = ["project", "neighbourhood", "status", "matter_type", "scope"]

    def scoped_source(self):
        return Vote.objects.order_by("-opens_at", "-id")

    @action(detail=True, methods=["get"])
    def tally(self, request, pk=None):
        vote = self.get_object()
        return Response(vote.result or tally(vote).to_dict())
