"""Demand lists (需求清单): one list per neighbourhood of a project, households' submissions and photos."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import bounded_text
from governance.fields import staff_user
from governance.models import Neighbourhood
from governance.scoping import territory_via
from projects.models import CatalogueItem, Project
from residents.models import Household

from ..choices import SubmissionChannel

DEMAND_TEXT_MAX = 1000


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
    entered_by = staff_user(_("录入人"))
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
