"""Votes and ballots (业主共同决定)."""

from fractions import Fraction

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import DateChecks
from governance.fields import check, staff_user
from governance.models import Building, Neighbourhood, Stairwell
from governance.scoping import territory_via
from projects.models import Project
from residents.models import Household

from ..choices import PRESETS, BallotChannel, BallotChoice, MatterType, RulePreset, VoteScope, VoteStatus


class Vote(DateChecks, models.Model):
    """A decision put to the owners of a neighbourhood, a building or a stairwell."""

    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="votes", verbose_name=_("项目")
    )
    plan_version = models.ForeignKey(
        "PlanVersion",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("表决方案"),
        help_text=_("改造方案表决须关联项目的最终方案。"),
    )
    title = models.CharField(_("表决事项"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    matter_type = models.CharField(_("事项类型"), max_length=30, choices=MatterType.choices)
    scope = models.CharField(
        _("表决范围"), max_length=20, choices=VoteScope.choices, default=VoteScope.NEIGHBOURHOOD
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="votes", verbose_name=_("小区")
    )
    building = models.ForeignKey(
        Building, models.PROTECT, null=True, blank=True, related_name="votes", verbose_name=_("楼栋")
    )
    stairwell = models.ForeignKey(
        Stairwell, models.PROTECT, null=True, blank=True, related_name="votes", verbose_name=_("单元")
    )
    rule = models.CharField(_("表决规则"), max_length=20, choices=RulePreset.choices)
    rule_reason = models.TextField(
        _("规则说明"), blank=True, help_text=_("采用与事项类型默认规则不同的规则时，须说明理由。")
    )
    # Used only by the custom preset: the quorum (inclusive) and agreement thresholds as fractions.
    custom_quorum_numerator = models.PositiveSmallIntegerField(_("参与门槛分子"), null=True, blank=True)
    custom_quorum_denominator = models.PositiveSmallIntegerField(_("参与门槛分母"), null=True, blank=True)
    custom_agree_numerator = models.PositiveSmallIntegerField(_("同意门槛分子"), null=True, blank=True)
    custom_agree_denominator = models.PositiveSmallIntegerField(_("同意门槛分母"), null=True, blank=True)
    custom_agree_inclusive = models.BooleanField(_("同意门槛含本数"), default=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(
        _("状态"), max_length=20, choices=VoteStatus.choices, default=VoteStatus.DRAFT, db_index=True
    )
    passed = models.BooleanField(_("表决通过"), null=True, blank=True, editable=False)
    result = models.JSONField(_("计票结果"), default=dict, blank=True, editable=False)
    closed_at = models.DateTimeField(_("计票时间"), null=True, blank=True, editable=False)
    closed_by = staff_user(_("计票人"))
    created_by = staff_user(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("业主表决")
        verbose_name_plural = _("业主表决")
        ordering = ["-opens_at", "-id"]
        constraints = [
            check(
                (
                    Q(scope=VoteScope.NEIGHBOURHOOD) & Q(building__isnull=True) & Q(stairwell__isnull=True)
                )
                | (Q(scope=VoteScope.BUILDING) & Q(building__isnull=False) & Q(stairwell__isnull=True))
                | (Q(scope=VoteScope.STAIRWELL) & Q(stairwell__isnull=False)),
                "vote_scope_matches_target",
                _("表决范围与所选楼栋、单元不一致。"),
            ),
            check(Q(closes_at__gt=models.F("opens_at")), "vote_closes_after_opens", _("截止时间须晚于开始时间。")),
            check(
                ~Q(rule=RulePreset.CUSTOM)
                | (
                    ~Q(rule_reason="")
                    & Q(custom_quorum_numerator__isnull=False, custom_quorum_numerator__gt=0)
                    & Q(custom_agree_numerator__isnull=False, custom_agree_numerator__gt=0)
                    & Q(custom_quorum_denominator__isnull=False, custom_agree_denominator__isnull=False)
                    & Q(custom_quorum_denominator__gte=models.F("custom_quorum_numerator"))
                    & Q(custom_agree_denominator__gte=models.F("custom_agree_numerator"))
                ),
                "vote_custom_rule_complete",
                _("自定义规则须填写理由及参与、同意门槛（分子不大于分母）。"),
            ),
        ]

    date_window = ["opens_at", "closes_at"]
    date_order = [("opens_at", "closes_at", True)]

    def __str__(self):
        return self.title

    def thresholds(self):
        """(quorum, agree, agree_inclusive) as exact fractions."""
        if self.rule == RulePreset.CUSTOM:
            return (
                Fraction(self.custom_quorum_numerator, self.custom_quorum_denominator),
                Fraction(self.custom_agree_numerator, self.custom_agree_denominator),
                self.custom_agree_inclusive,
            )
        return PRESETS[self.rule]

    def households_q(self, prefix=""):
        """The Q selecting the households in this vote's scope (`prefix` e.g. "household__")."""
        if self.scope == VoteScope.STAIRWELL:
            return Q(**{f"{prefix}stairwell_id": self.stairwell_id})
        if self.scope == VoteScope.BUILDING:
            return Q(**{f"{prefix}building_id": self.building_id})
        return Q(**{f"{prefix}neighbourhood_id": self.neighbourhood_id})

    @property
    def scope_label(self):
        if self.scope == VoteScope.STAIRWELL:
            return f"{self.stairwell.building.name}{self.stairwell.name}"
        if self.scope == VoteScope.BUILDING:
            return self.building.name
        return self.neighbourhood.name


class Ballot(models.Model):
    """One flat's current ballot in a vote. A flat has one row per vote: casting again replaces the
    choice (the audit log keeps what it was)."""

    vote = models.ForeignKey(Vote, models.CASCADE, related_name="ballots", verbose_name=_("表决"))
    # PROTECT: a flat that voted cannot be deleted from the census; its ballots are the record of
    # an owners' decision.
    household = models.ForeignKey(Household, models.PROTECT, related_name="ballots", verbose_name=_("住户"))
    choice = models.CharField(_("表决意见"), max_length=10, choices=BallotChoice.choices)
    channel = models.CharField(_("方式"), max_length=10, choices=BallotChannel.choices)
    entered_by = staff_user(_("录入人"))
    at = models.DateTimeField(_("表决时间"))
    revisions = models.PositiveIntegerField(_("修改次数"), default=0)

    territory_lookups = territory_via("household__neighbourhood")

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        ordering = ["vote_id", "household_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "household"],
                name="ballot_one_per_flat",
                violation_error_message=_("每户在一次表决中只有一张有效表决票。"),
            ),
        ]

    def __str__(self):
        return f"{self.vote} · {self.get_choice_display()}"
