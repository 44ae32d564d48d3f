"""Questionnaires (问卷调查): questions, options, households' responses and answers."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import bounded_text
from governance.fields import check, staff_user
from governance.models import Neighbourhood
from governance.scoping import territory_via
from projects.models import Project
from residents.models import Household

from ..choices import QuestionKind, QuestionnaireStatus, SubmissionChannel
from .steps import ConsultationStep

ANSWER_TEXT_MAX = 1000


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
    created_by = staff_user(_("创建人"))

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
    entered_by = staff_user(_("录入人"))
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
            check(
                Q(scale__isnull=True) | (Q(scale__gte=1) & Q(scale__lte=5)),
                "answer_scale_range",
                _("评分须在1至5之间。"),
            ),
        ]

    def __str__(self):
        return f"{self.question_id}"
