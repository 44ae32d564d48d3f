"""Consultation processes (三下三上): templates, processes, their steps and the departments' reviews."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.choices import Level
from governance.fields import check, staff_user
from governance.models import District
from governance.scoping import territory_via
from projects.models import Project

from ..choices import Direction, ReviewDecision, StepStatus


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
    started_by = staff_user(_("发起人"))

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
    completed_by = staff_user(_("完成人"))
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
    reviewer = staff_user(_("登记人"))
    at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    territory_lookups = territory_via("step__process__project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("部门审核")
        verbose_name_plural = _("部门审核")
        ordering = ["step_id", "at", "id"]
        constraints = [
            check(
                Q(decision=ReviewDecision.APPROVED) | ~Q(comments=""),
                "stepreview_returned_has_comments",
                _("退回须填写审核意见。"),
            ),
        ]

    def __str__(self):
        return f"{self.step.code} {self.get_decision_display()}"
