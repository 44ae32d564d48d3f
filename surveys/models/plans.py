"""Plan versions (改造方案) and their items."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import LONG_TEXT_MAX, UpTo, bounded_text
from governance.fields import check, staff_user
from governance.models import Neighbourhood
from governance.money import money_field
from governance.scoping import territory_via
from projects.models import CatalogueItem, Project

from ..choices import PlanKind


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
    created_by = staff_user(_("创建人"))

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
            check(
                Q(quantity__gte=0) & Q(unit_cost__gte=0) & Q(amount__gte=0),
                "planitem_non_negative",
                _("工程量、单价和金额不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.catalogue_item} · {self.neighbourhood}"
