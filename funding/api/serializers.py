"""Serializers of the funding API. Related objects offered for writing are scoped to what the
actor manages (a funding source: to what the actor sees), so an id outside the territory is
refused as if it did not exist. The serializers check shapes; the services check the rules."""

from rest_framework import serializers

from governance.api.fields import ScopedModelSerializer, ScopedRelatedField
from governance.bounds import TEXT_MAX
from governance.field_lists import assessment_fields
from governance.models import Assessment, ManagementArrangement

from ..models import (
    Commitment,
    Disbursement,
    FundingSource,
    PublicIncome,
    SubsidyInstallment,
    SubsidyPayer,
    SubsidyPayment,
    SubsidyPlan,
)
from ..services import PLAN_MAX_YEARS


class FundingSourceSerializer(ScopedModelSerializer):
    """`committed` is net of reversed commitments."""

    see_only = ("district",)  # the service checks that the actor manages the source's street
    committed = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, required=False)

    class Meta:
        model = FundingSource
        fields = [
            "id",
            "name",
            "kind",
            "provider",
            "amount_held",
            "district",
            "street",
            "document_number",
            "note",
            "committed",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class ReversalSerializer(serializers.Serializer):
    """A money row's reversal: why, by whom (user id), when."""

    reason = serializers.CharField(read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class ReverseSerializer(serializers.Serializer):
    """The body of a `reverse` action: the reason, required (the service checks it is not blank)."""

    reason = serializers.CharField(allow_blank=True, trim_whitespace=True, max_length=TEXT_MAX)


class CommitmentSerializer(ScopedModelSerializer):
    """`disbursed` is net of reversed disbursements; `reversal` is null unless the commitment was
    reversed (it then counts for nothing)."""

    see_only = ("source",)
    disbursed = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, required=False)
    reversal = ReversalSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "source",
            "project",
            "amount",
            "committed_on",
            "document_number",
            "conditions",
            "disbursed",
            "reversal",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class DisbursementSerializer(ScopedModelSerializer):
    reversal = ReversalSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Disbursement
        fields = [
            "id",
            "commitment",
            "amount",
            "paid_on",
            "payee",
            "voucher_number",
            "reversal",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class PublicIncomeSerializer(ScopedModelSerializer):
    class Meta:
        model = PublicIncome
        fields = ["id", "neighbourhood", "kind", "amount", "period_start", "period_end", "use", "created_at"]
        read_only_fields = ["created_at"]


class ManagementArrangementSerializer(ScopedModelSerializer):
    see_only = ("provider",)  # the district's register: staff point to it, superusers write it
    provider_name = serializers.CharField(source="provider.name", read_only=True, default="")

    class Meta:
        model = ManagementArrangement
        fields = [
            "id",
            "neighbourhood",
            "mode",
            "provider",
            "provider_name",
            "started_on",
            "ended_on",
            "contract_start",
            "contract_end",
            "fee_per_m2_month",
            "note",
        ]
        read_only_fields = ["ended_on"]


class AssessmentSerializer(ScopedModelSerializer):
    items = serializers.DictField(child=serializers.CharField(max_length=200), required=False)

    class Meta:
        model = Assessment
        fields = ["id", *assessment_fields("items"), "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"assessed_at": {"required": False}}


class PayerSerializer(ScopedModelSerializer):
    source = ScopedRelatedField(FundingSource, write=False, required=False, allow_null=True)
    payer_name = serializers.CharField(
        required=False, allow_blank=True, max_length=SubsidyPayer._meta.get_field("payer_name").max_length
    )

    class Meta:
        model = SubsidyPayer
        fields = ["order", "source", "payer_name", "share"]
        read_only_fields = ["order"]


class PaymentSerializer(serializers.ModelSerializer):
    payer_name = serializers.CharField(source="payer.payer_name", read_only=True)

    class Meta:
        model = SubsidyPayment
        fields = ["payer", "payer_name", "amount", "paid_at"]


class DecidingAssessmentSerializer(serializers.ModelSerializer):
    """The assessment that decided an installment (funding.schedule.assessment_decides)."""

    class Meta:
        model = Assessment
        fields = ["id", "year", "period_start", "period_end", "score", "assessor", "assessed_at"]
        read_only_fields = fields


class InstallmentSerializer(serializers.ModelSerializer):
    payments = PaymentSerializer(many=True, read_only=True)
    assessment_detail = DecidingAssessmentSerializer(source="assessment", read_only=True, allow_null=True)
    waiting_for = serializers.CharField(
        read_only=True,
        help_text="What a scheduled, due or withheld installment waits for, in words; empty otherwise.",
    )

    class Meta:
        model = SubsidyInstallment
        fields = [
            "id",
            "plan",
            "year",
            "period_start",
            "period_end",
            "due_on",
            "assessment_year",
            "rate",
            "status",
            "assessment",
            "assessment_detail",
            "waiting_for",
            "score",
            "ratio",
            "amount",
            "decided_at",
            "released_at",
            "paid_at",
            "payments",
        ]
        read_only_fields = fields


class BandSerializer(serializers.Serializer):
    min_score = serializers.DecimalField(max_digits=5, decimal_places=2)
    ratio = serializers.DecimalField(max_digits=5, decimal_places=4)


class SubsidyPlanSerializer(ScopedModelSerializer):
    rates = serializers.ListField(
        child=serializers.DecimalField(max_digits=8, decimal_places=4), allow_empty=True, max_length=PLAN_MAX_YEARS
    )
    score_bands = BandSerializer(many=True, required=False)
    payers = PayerSerializer(many=True)

    class Meta:
        model = SubsidyPlan
        fields = [
            "id",
            "neighbourhood",
            "arrangement",
            "name",
            "area",
            "start_on",
            "rates",
            "score_bands",
            "payers",
            "ends_on",
            "status",
            "exited_on",
            "created_at",
        ]
        read_only_fields = ["ends_on", "status", "exited_on", "created_at"]


class SubsidyPlanDetailSerializer(SubsidyPlanSerializer):
    installments = InstallmentSerializer(many=True, read_only=True)

    class Meta(SubsidyPlanSerializer.Meta):
        fields = SubsidyPlanSerializer.Meta.fields + ["installments"]


class PlanExitSerializer(serializers.Serializer):
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class ProjectFundingSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    disbursed = serializers.DecimalField(max_digits=14, decimal_places=2)
    gap = serializers.DecimalField(max_digits=14, decimal_places=2)
    covered = serializers.BooleanField()
    by_kind = serializers.ListField(child=serializers.DictField())
