"""The funding API. Reads are scoped by the base classes; every write calls a service, whose
refusal governance.api.errors answers (a field's error 400, a row's state 409; PermissionDenied: 403)."""

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.base import NO_DELETE, ScopedModelViewSet, ScopedReadOnlyViewSet
from governance.models import Assessment, ManagementArrangement
from governance.services_management import arrangement_start, assessment_record
from projects.models import Project

from ..models import (
    Commitment,
    Disbursement,
    FundingSource,
    PublicIncome,
    SubsidyInstallment,
    SubsidyPayment,
    SubsidyPlan,
)
from ..querysets import sum_of
from ..selectors import project_funding
from ..services import (
    commitment_create,
    commitment_reverse,
    disbursement_create,
    disbursement_reverse,
    funding_source_save,
    public_income_save,
    subsidy_plan_create,
    subsidy_plan_exit,
)
from . import serializers as s


class ReverseActionMixin:
    """POST <id>/reverse/ {"reason": "..."}: reverse the row through `reverse_service`. 400 for a
    blank reason, 409 with the reason when the row's state refuses it, 403 for a read-only role,
    404 outside the territory the actor manages; 200 with the row (its `reversal` filled in)."""

    reverse_kwarg = ""

    @extend_schema(request=s.ReverseSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        row = self.get_object()
        body = s.ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service = type(self).reverse_service
        service(**{self.reverse_kwarg: row}, reason=body.validated_data["reason"], actor=request.user)
        row = self.get_queryset().get(pk=row.pk)
        return Response(self.get_serializer(row).data, status=status.HTTP_200_OK)


class CreateReadViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """List, retrieve and create: money rows are never edited or deleted (a wrong one is reversed,
    then the right one created as a new row)."""


class FundingSourceViewSet(ScopedModelViewSet):
    queryset = FundingSource.objects.all()
    serializer_class = s.FundingSourceSerializer
    filterset_fields = ["kind", "district", "street"]
    http_method_names = NO_DELETE

    def scoped_source(self):
        return (
            FundingSource.objects.select_related("district", "street")
            .annotate(committed=sum_of(Commitment, "amount", "source", live=True))
            .order_by("district_id", "kind", "name", "id")
        )

    def _save(self, serializer, instance):
        for field, value in serializer.validated_data.items():
            setattr(instance, field, value)
        serializer.instance = funding_source_save(source=instance, actor=self.request.user)

    def perform_create(self, serializer):
        self._save(serializer, FundingSource())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class CommitmentViewSet(ReverseActionMixin, CreateReadViewSet):
    queryset = Commitment.objects.all()
    serializer_class = s.CommitmentSerializer
    filterset_fields = ["project", "source", "source__kind"]
    reverse_service = commitment_reverse
    reverse_kwarg = "commitment"

    def scoped_source(self):
        return (
            Commitment.objects.select_related("reversal")
            .annotate(disbursed=sum_of(Disbursement, "amount", "commitment", live=True))
            .order_by("project_id", "committed_on", "id")
        )

    def perform_create(self, serializer):
        serializer.instance = commitment_create(**serializer.validated_data, actor=self.request.user)


class DisbursementViewSet(ReverseActionMixin, CreateReadViewSet):
    queryset = Disbursement.objects.order_by("commitment_id", "paid_on", "id")
    serializer_class = s.DisbursementSerializer
    filterset_fields = ["commitment", "commitment__project"]
    reverse_service = disbursement_reverse
    reverse_kwarg = "disbursement"

    def scoped_source(self):
        return Disbursement.objects.select_related("reversal").order_by("commitment_id", "paid_on", "id")

    def perform_create(self, serializer):
        serializer.instance = disbursement_create(**serializer.validated_data, actor=self.request.user)


class ProjectFundingViewSet(ScopedReadOnlyViewSet):
    """/api/v1/project-funding/<project id>/: budget, committed and disbursed by kind, the gap."""

    queryset = Project.objects.order_by("-year", "code")
    serializer_class = s.ProjectFundingSerializer

    def _payload(self, project):
        page = project_funding(project)
        return {
            "project": project.pk,
            "budget": page.budget,
            "committed": page.committed,
            "disbursed": page.disbursed,
            "gap": page.gap,
            "covered": page.covered,
            "by_kind": [
                {"kind": line.kind, "committed": str(line.committed), "disbursed": str(line.disbursed)}
                for line in page.lines
            ],
        }

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([s.ProjectFundingSerializer(self._payload(p)).data for p in page])

    def retrieve(self, request, *args, **kwargs):
        return Response(s.ProjectFundingSerializer(self._payload(self.get_object())).data)


class PublicIncomeViewSet(ScopedModelViewSet):
    queryset = PublicIncome.objects.order_by("neighbourhood_id", "-period_start", "id")
    serializer_class = s.PublicIncomeSerializer
    filterset_fields = ["neighbourhood", "kind"]
    http_method_names = NO_DELETE

    def _save(self, serializer, instance):
        for field, value in serializer.validated_data.items():
            setattr(instance, field, value)
        serializer.instance = public_income_save(income=instance, actor=self.request.user)

    def perform_create(self, serializer):
        self._save(serializer, PublicIncome())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class ManagementArrangementViewSet(CreateReadViewSet):
    """Starting an arrangement ends the neighbourhood's current one the day before."""

    queryset = ManagementArrangement.objects.select_related("provider").order_by("neighbourhood_id", "-started_on", "-id")
    serializer_class = s.ManagementArrangementSerializer
    filterset_fields = ["neighbourhood", "mode"]

    def perform_create(self, serializer):
        serializer.instance = arrangement_start(**serializer.validated_data, actor=self.request.user)


class AssessmentViewSet(CreateReadViewSet):
    queryset = Assessment.objects.order_by("arrangement_id", "-year", "-id")
    serializer_class = s.AssessmentSerializer
    filterset_fields = ["arrangement", "year"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("assessed_at", timezone.now())
        serializer.instance = assessment_record(**data, actor=self.request.user)


class SubsidyPlanViewSet(CreateReadViewSet):
    """A plan with its payers; its detail adds the whole schedule with the payment lines."""

    queryset = SubsidyPlan.objects.all()
    filterset_fields = ["neighbourhood", "status"]

    def get_serializer_class(self):
        return s.SubsidyPlanDetailSerializer if self.action == "retrieve" else s.SubsidyPlanSerializer

    def scoped_source(self):
        plans = SubsidyPlan.objects.prefetch_related("payers").order_by("neighbourhood_id", "start_on", "id")
        if self.action == "retrieve":
            plans = plans.prefetch_related(
                Prefetch(
                    "installments",
                    SubsidyInstallment.objects.select_related("assessment")
                    .order_by("year")
                    .prefetch_related(
                        Prefetch(
                            "payments",
                            SubsidyPayment.objects.select_related("payer").order_by("payer__order"),
                        )
                    ),
                )
            )
        return plans

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data["rates"] = [str(rate) for rate in data["rates"]]
        if "score_bands" in data:
            data["score_bands"] = [{k: str(v) for k, v in band.items()} for band in data["score_bands"]]
        serializer.instance = subsidy_plan_create(**data, actor=self.request.user)

    @extend_schema(request=s.PlanExitSerializer, responses=s.SubsidyPlanSerializer)
    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        """End the plan early: its installments not yet due by `on` stop."""
        plan = self.get_object()
        data = s.PlanExitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = subsidy_plan_exit(plan=plan, actor=request.user, **data.validated_data)
        return Response(
            s.SubsidyPlanSerializer(plan, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK,
        )


class SubsidyInstallmentViewSet(ScopedReadOnlyViewSet):
    """Installments, written only by the daily run."""

    queryset = SubsidyInstallment.objects.all()
    serializer_class = s.InstallmentSerializer
    filterset_fields = ["plan", "status", "due_on", "year"]

    def scoped_source(self):
        return (
            SubsidyInstallment.objects.select_related("assessment")
            .prefetch_related(
                Prefetch("payments", SubsidyPayment.objects.select_related("payer").order_by("payer__order"))
            )
            .order_by("plan_id", "year")
        )
