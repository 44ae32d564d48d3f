"""A project's publicity: notices (公示) and the residents' objections to them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import LONG_TEXT_MAX, DateChecks, bounded_text
from governance.fields import check, staff_user
from governance.scoping import territory_via
from residents.models import Household

from ..choices import NoticeKind, ObjectionStatus
from .projects import Project

# The bound of a resident's objection, in characters: the form, the service and the admin read it.
OBJECTION_MAX_LENGTH = 2000


class Notice(DateChecks, models.Model):
    """A publicity notice (公示) of a plan or a result, with its period (both days included)."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="notices", verbose_name=_("项目"))
    kind = models.CharField(_("类型"), max_length=20, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = bounded_text(_("内容"), LONG_TEXT_MAX)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    published_by = staff_user(_("发布人"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-starts_on", "-id"]
        constraints = [
            check(Q(ends_on__gte=models.F("starts_on")), "notice_end_after_start", _("公示结束日期不能早于开始日期。")),
        ]

    date_window = ["starts_on", "ends_on"]
    date_order = [("starts_on", "ends_on", False)]

    def __str__(self):
        return self.title


class Objection(models.Model):
    """A household's objection to a notice, open until staff answer it."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="objections", verbose_name=_("公示"))
    household = models.ForeignKey(
        Household, models.CASCADE, related_name="objections", verbose_name=_("住户")
    )
    text = bounded_text(_("异议内容"), OBJECTION_MAX_LENGTH)
    submitted_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN, db_index=True
    )
    answer = models.TextField(_("答复"), blank=True)
    answered_by = staff_user(_("答复人"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    territory_lookups = territory_via("household__neighbourhood")

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            check(
                Q(status=ObjectionStatus.OPEN) | (~Q(answer="") & Q(answered_at__isnull=False)),
                "objection_answered_has_answer",
                _("已答复的异议须有答复内容和答复时间。"),
            ),
        ]

    def __str__(self):
        return self.text[:40]
