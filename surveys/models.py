"""Consultation with residents: votes and ballots (业主共同决定).

Territory. Every row reaches the territory through a neighbourhood (a vote's neighbourhood is
always set, also for a building or stairwell vote, so scoping needs no branch) or a household.
"""

from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import LONG_TEXT_MAX, UpTo, bounded_text, check_dates
from governance.choices import Level
from governance.models import Building, District, Neighbourhood, Stairwell
from governance.money import money_field
from governance.scoping import territory_via
from projects.models import CatalogueItem, Project
from residents.models import Household

from .choices import (
    PRESETS,
    BallotChannel,
    BallotChoice,
    Direction,
    MatterType,
    MeetingKind,
    OpinionAnswer,
    OpinionSource,
    PlanKind,
    QuestionKind,
    QuestionnaireStatus,
    ReviewDecision,
    RulePreset,
    StepStatus,
    SubmissionChannel,
    VoteScope,
    VoteStatus,
)


class Vote(models.Model):
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
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("计票人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("业主表决")
        verbose_name_plural = _("业主表决")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=VoteScope.NEIGHBOURHOOD) & Q(building__isnull=True) & Q(stairwell__isnull=True)
                )
                | (Q(scope=VoteScope.BUILDING) & Q(building__isnull=False) & Q(stairwell__isnull=True))
                | (Q(scope=VoteScope.STAIRWELL) & Q(stairwell__isnull=False)),
                name="vote_scope_matches_target",
                violation_error_message=_("表决范围与所选楼栋、单元不一致。"),
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="vote_closes_after_opens",
                violation_error_message=_("截止时间须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=~Q(rule=RulePreset.CUSTOM)
                | (
                    ~Q(rule_reason="")
                    & Q(custom_quorum_numerator__isnull=False, custom_quorum_numerator__gt=0)
                    & Q(custom_agree_numerator__isnull=False, custom_agree_numerator__gt=0)
                    & Q(custom_quorum_denominator__isnull=False, custom_agree_denominator__isnull=False)
                    & Q(custom_quorum_denominator__gte=models.F("custom_quorum_numerator"))
                    & Q(custom_agree_denominator__gte=models.F("custom_agree_numerator"))
                ),
                name="vote_custom_rule_complete",
                violation_error_message=_("自定义规则须填写理由及参与、同意门槛（分子不大于分母）。"),
            ),
        ]

    def clean(self):
        super().clean()
        check_dates(
            self,
            window=["opens_at", "closes_at"],
            order=[("opens_at", "closes_at", True)],
        )

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
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
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


# ---- consultation processes (三下三上) --------------------------------------------------------


class ProcessTemplate(models.Model):
    """An ordered list of down/up steps. The built-in 三下三上 has no district; a district defines
    its own (e.g. two down, two up)."""

    name = models.CharField(_("名称"), max_length=60)
    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="process_templates",
        verbose_name=_("区"),
        help_text=_("空白表示系统内置模板。"),
    )
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)

    territory_lookups = {Level.DISTRICT: "district_id"}

    class Meta:
        verbose_name = _("协商程序模板")
        verbose_name_plural = _("协商程序模板")
        ordering = ["district_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="processtemplate_unique_name"),
        ]

    def __str__(self):
        return self.name


class TemplateStep(models.Model):
    template = models.ForeignKey(
        ProcessTemplate, models.CASCADE, related_name="steps", verbose_name=_("模板")
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    code = models.CharField(_("代号"), max_length=10)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    name = models.CharField(_("名称"), max_length=80)
    closes_demand_list = models.BooleanField(_("完成时关闭需求清单"), default=False)
    needs_vote = models.BooleanField(_("须有已结束的业主表决"), default=False)

    territory_lookups = {Level.DISTRICT: "template__district_id"}

    class Meta:
        verbose_name = _("模板步骤")
        verbose_name_plural = _("模板步骤")
        ordering = ["template_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="templatestep_unique_order"),
            models.UniqueConstraint(fields=["template", "code"], name="templatestep_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class ConsultationProcess(models.Model):
    """A project's consultation, its steps copied from a template when it starts."""

    project = models.OneToOneField(
        Project, models.PROTECT, related_name="consultation", verbose_name=_("项目")
    )
    template = models.ForeignKey(ProcessTemplate, models.PROTECT, related_name="+", verbose_name=_("模板"))
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("协商程序")
        verbose_name_plural = _("协商程序")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.project} · {self.template}"


class ConsultationStep(models.Model):
    process = models.ForeignKey(
        ConsultationProcess, models.CASCADE, related_name="steps", verbose_name=_("协商程序")
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    code = models.CharField(_("代号"), max_length=10)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    name = models.CharField(_("名称"), max_length=80)
    closes_demand_list = models.BooleanField(_("完成时关闭需求清单"), default=False)
    needs_vote = models.BooleanField(_("须有已结束的业主表决"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=StepStatus.choices, default=StepStatus.PENDING
    )
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )
    note = models.TextField(_("完成说明"), blank=True)
    rounds = models.PositiveSmallIntegerField(_("轮次"), default=0, help_text=_("被退回重新开展的次数。"))

    territory_lookups = territory_via("process__project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("协商步骤")
        verbose_name_plural = _("协商步骤")
        ordering = ["process_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["process", "order"], name="consultationstep_unique_order"),
            # At most one step of a process is open at a time.
            models.UniqueConstraint(
                fields=["process"], condition=Q(status=StepStatus.OPEN), name="consultationstep_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_down(self):
        return self.direction == Direction.DOWN


class StepReview(models.Model):
    """A department's review of an up step: approved (the next step opens) or returned with comments
    (the previous down step reopens: the loop)."""

    step = models.ForeignKey(ConsultationStep, models.CASCADE, related_name="reviews", verbose_name=_("步骤"))
    decision = models.CharField(_("审核结论"), max_length=10, choices=ReviewDecision.choices)
    department = models.CharField(_("审核部门"), max_length=80)
    comments = models.TextField(_("审核意见"), blank=True)
    reopened_step = models.ForeignKey(
        ConsultationStep, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("退回至")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    territory_lookups = territory_via("step__process__project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("部门审核")
        verbose_name_plural = _("部门审核")
        ordering = ["step_id", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision=ReviewDecision.APPROVED) | ~Q(comments=""),
                name="stepreview_returned_has_comments",
                violation_error_message=_("退回须填写审核意见。"),
            ),
        ]

    def __str__(self):
        return f"{self.step.code} {self.get_decision_display()}"


class Meeting(models.Model):
    process = models.ForeignKey(
        ConsultationProcess, models.CASCADE, related_name="meetings", verbose_name=_("协商程序")
    )
    step = models.ForeignKey(
        ConsultationStep,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("步骤"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="meetings", verbose_name=_("小区")
    )
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120)
    attendees = models.PositiveIntegerField(_("参会人数"), default=0)
    households_represented = models.PositiveIntegerField(_("代表户数"), default=0)
    minutes = bounded_text(_("会议纪要"), LONG_TEXT_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("协商会议")
        verbose_name_plural = _("协商会议")
        ordering = ["-held_on", "-id"]

    def clean(self):
        super().clean()
        check_dates(
            self,
            window=["held_on"],
            order=[],
        )

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"


class Visit(models.Model):
    process = models.ForeignKey(
        ConsultationProcess, models.CASCADE, related_name="visits", verbose_name=_("协商程序")
    )
    step = models.ForeignKey(
        ConsultationStep, models.PROTECT, null=True, blank=True, related_name="visits", verbose_name=_("步骤")
    )
    household = models.ForeignKey(Household, models.CASCADE, related_name="visits", verbose_name=_("住户"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("走访人"),
    )
    visited_on = models.DateField(_("走访日期"))
    notes = bounded_text(_("走访记录"), LONG_TEXT_MAX, blank=True)

    territory_lookups = territory_via("household__neighbourhood")

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_on", "-id"]

    def clean(self):
        super().clean()
        check_dates(
            self,
            window=["visited_on"],
            order=[],
        )

    def __str__(self):
        return f"{self.visited_on} {self.household}"


# Bounds of what residents write, in characters: each read by the resident form (if any), the
# service and the admin (governance.admin_text).
OPINION_TEXT_MAX = 1000
DEMAND_TEXT_MAX = 1000
ANSWER_TEXT_MAX = 1000


class Opinion(models.Model):
    """An opinion or suggestion from any source, and the answer every one must get."""

    process = models.ForeignKey(
        ConsultationProcess, models.CASCADE, related_name="opinions", verbose_name=_("协商程序")
    )
    step = models.ForeignKey(
        ConsultationStep,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("步骤"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="opinions", verbose_name=_("小区")
    )
    household = models.ForeignKey(
        Household, models.SET_NULL, null=True, blank=True, related_name="opinions", verbose_name=_("住户")
    )
    source = models.CharField(_("来源"), max_length=20, choices=OpinionSource.choices)
    text = bounded_text(_("意见内容"), OPINION_TEXT_MAX)
    answer = models.CharField(
        _("答复结果"),
        max_length=20,
        choices=OpinionAnswer.choices,
        default=OpinionAnswer.PENDING,
        db_index=True,
    )
    answer_text = models.TextField(_("答复说明"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer=OpinionAnswer.PENDING)
                | (Q(answered_at__isnull=False) & (Q(answer=OpinionAnswer.ADOPTED) | ~Q(answer_text=""))),
                name="opinion_answer_explained",
                violation_error_message=_("除“采纳”外，答复须写明理由或说明。"),
            ),
        ]

    def __str__(self):
        return self.text[:40]


# ---- demand lists (需求清单) ------------------------------------------------------------------

DEMAND_PHOTOS_MAX = 3


class DemandList(models.Model):
    """The demand list of one neighbourhood of a project: open during the collecting step (D1),
    closed when that step completes."""

    project = models.ForeignKey(Project, models.PROTECT, related_name="demand_lists", verbose_name=_("项目"))
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="demand_lists", verbose_name=_("小区")
    )
    intro = models.TextField(_("填写说明"), blank=True)
    is_open = models.BooleanField(_("正在征集"), default=True)
    opened_at = models.DateTimeField(_("开始征集"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束征集"), null=True, blank=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("需求清单")
        verbose_name_plural = _("需求清单")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "neighbourhood"],
                name="demandlist_one_per_neighbourhood",
                violation_error_message=_("该小区在本项目中已有需求清单。"),
            ),
        ]

    def __str__(self):
        return f"{self.neighbourhood} · {self.project.name}"


class DemandSubmission(models.Model):
    """One household's choices. A new submission replaces the current one (is_current moves to
    it); the earlier ones stay as history."""

    demand_list = models.ForeignKey(
        DemandList, models.CASCADE, related_name="submissions", verbose_name=_("需求清单")
    )
    household = models.ForeignKey(
        Household, models.CASCADE, related_name="demand_submissions", verbose_name=_("住户")
    )
    items = models.ManyToManyField(
        CatalogueItem, related_name="demand_submissions", blank=True, verbose_name=_("选择的改造内容")
    )
    text = bounded_text(_("其他需求"), DEMAND_TEXT_MAX, blank=True)
    channel = models.CharField(_("提交方式"), max_length=10, choices=SubmissionChannel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    is_current = models.BooleanField(_("当前有效"), default=True)
    receipt = models.CharField(_("回执号"), max_length=16, unique=True)

    territory_lookups = territory_via("household__neighbourhood")

    class Meta:
        verbose_name = _("需求提交")
        verbose_name_plural = _("需求提交")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand_list", "household"],
                condition=Q(is_current=True),
                name="demandsubmission_one_current",
                violation_error_message=_("每户只有一份当前有效的需求清单。"),
            ),
        ]
        indexes = [models.Index(fields=["demand_list", "is_current"], name="demandsub_list_current_idx")]

    def __str__(self):
        return self.receipt


def _demand_photo_path(instance, filename):
    return f"surveys/demand/{filename}"


class DemandPhoto(models.Model):
    submission = models.ForeignKey(
        DemandSubmission, models.CASCADE, related_name="photos", verbose_name=_("需求提交")
    )
    image = models.ImageField(_("照片"), upload_to=_demand_photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=_demand_photo_path)
    uid = models.UUIDField(_("编号"), unique=True, editable=False)

    territory_lookups = territory_via("submission__household__neighbourhood")

    class Meta:
        verbose_name = _("需求照片")
        verbose_name_plural = _("需求照片")
        ordering = ["submission_id", "id"]

    def __str__(self):
        return str(self.uid)


# ---- questionnaires (问卷调查) ----------------------------------------------------------------


class Questionnaire(models.Model):
    """A questionnaire to the households of one neighbourhood (optionally of a project's step)."""

    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="questionnaires", verbose_name=_("小区")
    )
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="questionnaires", verbose_name=_("项目")
    )
    step = models.ForeignKey(
        ConsultationStep,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="questionnaires",
        verbose_name=_("协商步骤"),
    )
    title = models.CharField(_("标题"), max_length=120)
    intro = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.DRAFT
    )
    opened_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-id"]

    def __str__(self):
        return self.title


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, models.CASCADE, related_name="questions", verbose_name=_("问卷")
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    text = models.CharField(_("题目"), max_length=200)
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(_("必答"), default=True)

    territory_lookups = territory_via("questionnaire__neighbourhood")

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["questionnaire_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "order"], name="question_unique_order")
        ]

    def __str__(self):
        return self.text


class QuestionOption(models.Model):
    question = models.ForeignKey(Question, models.CASCADE, related_name="options", verbose_name=_("题目"))
    order = models.PositiveSmallIntegerField(_("顺序"))
    text = models.CharField(_("选项"), max_length=120)

    territory_lookups = territory_via("question__questionnaire__neighbourhood")

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "order"], name="questionoption_unique_order")
        ]

    def __str__(self):
        return self.text


class Response(models.Model):
    """One household's answers to a questionnaire; replaced (answers rewritten) until it closes."""

    questionnaire = models.ForeignKey(
        Questionnaire, models.CASCADE, related_name="responses", verbose_name=_("问卷")
    )
    household = models.ForeignKey(Household, models.CASCADE, related_name="responses", verbose_name=_("住户"))
    channel = models.CharField(_("提交方式"), max_length=10, choices=SubmissionChannel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    revisions = models.PositiveIntegerField(_("修改次数"), default=0)

    territory_lookups = territory_via("household__neighbourhood")

    class Meta:
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        ordering = ["questionnaire_id", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "household"],
                name="response_one_per_household",
                violation_error_message=_("每户只有一份答卷。"),
            ),
        ]

    def __str__(self):
        return f"{self.questionnaire} · {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(Response, models.CASCADE, related_name="answers", verbose_name=_("答卷"))
    question = models.ForeignKey(Question, models.CASCADE, related_name="answers", verbose_name=_("题目"))
    options = models.ManyToManyField(
        QuestionOption, blank=True, related_name="answers", verbose_name=_("选项")
    )
    text = bounded_text(_("文字回答"), ANSWER_TEXT_MAX, blank=True)
    scale = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)

    territory_lookups = territory_via("response__household__neighbourhood")

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | (Q(scale__gte=1) & Q(scale__lte=5)),
                name="answer_scale_range",
                violation_error_message=_("评分须在1至5之间。"),
            ),
        ]

    def __str__(self):
        return f"{self.question_id}"


# ---- plan versions (改造方案) -----------------------------------------------------------------


def _plan_document_path(instance, filename):
    import os
    import uuid as uuid_module

    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"surveys/plans/{uuid_module.uuid4().hex}{extension}"


class PlanVersion(models.Model):
    """A version of a project's renovation plan: preliminary, revised (any number), final (one).
    The final one is what D3 votes on."""

    project = models.ForeignKey(Project, models.PROTECT, related_name="plan_versions", verbose_name=_("项目"))
    kind = models.CharField(_("版本类型"), max_length=20, choices=PlanKind.choices)
    number = models.PositiveSmallIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=120)
    summary = bounded_text(_("方案摘要"), LONG_TEXT_MAX)
    document = models.FileField(_("方案文件"), upload_to=_plan_document_path, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("改造方案版本")
        verbose_name_plural = _("改造方案版本")
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="planversion_unique_number"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(kind=PlanKind.FINAL),
                name="planversion_one_final",
                violation_error_message=_("每个项目只有一个最终方案。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.number} · {self.title}"


class PlanItem(models.Model):
    """A line of works of a plan version, with its quantity and cost."""

    plan = models.ForeignKey(PlanVersion, models.CASCADE, related_name="items", verbose_name=_("方案"))
    neighbourhood = models.ForeignKey(Neighbourhood, models.PROTECT, related_name="+", verbose_name=_("小区"))
    catalogue_item = models.ForeignKey(
        CatalogueItem, models.PROTECT, related_name="+", verbose_name=_("改造内容")
    )
    quantity = models.DecimalField(
        _("工程量"), max_digits=12, decimal_places=2, default=0, validators=[UpTo("quantity", _("工程量"))]
    )
    unit_cost = money_field(
        _("单价(元)"), validators=[UpTo("unit_cost", _("单价"))]
    )
    amount = money_field(
        _("金额(元)"), default=0, validators=[UpTo("amount", _("金额（工程量×单价）"))]
    )
    demand_households = models.PositiveIntegerField(_("提出需求户数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("方案内容")
        verbose_name_plural = _("方案内容")
        ordering = ["plan_id", "neighbourhood_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "neighbourhood", "catalogue_item"], name="planitem_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(unit_cost__gte=0) & Q(amount__gte=0),
                name="planitem_non_negative",
                violation_error_message=_("工程量、单价和金额不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.catalogue_item} · {self.neighbourhood}"


def _meeting_photo_path(instance, filename):
    return f"surveys/meetings/{filename}"


class MeetingPhoto(models.Model):
    """A photo of a meeting (evidence of a down step), stored re-encoded without EXIF under a uuid
    name (governance.photos)."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="photos", verbose_name=_("会议"))
    image = models.ImageField(_("照片"), upload_to=_meeting_photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=_meeting_photo_path)
    uid = models.UUIDField(_("编号"), unique=True, editable=False)
    caption = models.CharField(_("说明"), max_length=120, blank=True)

    territory_lookups = territory_via("meeting__neighbourhood")

    class Meta:
        verbose_name = _("会议照片")
        verbose_name_plural = _("会议照片")
        ordering = ["meeting_id", "id"]

    def __str__(self):
        return self.caption or str(self.uid)


# Re-elections of bodies tied to their votes live in their own module.
from .reelections import Reelection  # noqa: E402,F401
