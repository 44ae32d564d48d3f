"""The works menu (改造菜单), projects with their lifecycle, and their scope lines."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import DateChecks, UpTo
from governance.choices import Level
from governance.fields import check, staff_user
from governance.models import District, Neighbourhood, Street
from governance.money import money_field
from governance.scoping import territory_via

from ..choices import Stage, Unit, WorkClass
from ..querysets import CatalogueItemQuerySet, ProjectQuerySet

QUANTITY = {"max_digits": 12, "decimal_places": 2}


class CatalogueItem(models.Model):
    """An item of the works menu (改造菜单). National items have no district; a district adds its
    own (district set) and retires items by clearing `active` (never deleted once used)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    work_class = models.CharField(_("类别"), max_length=20, choices=WorkClass.choices)
    unit = models.CharField(_("计量单位"), max_length=12, choices=Unit.choices)
    reference_unit_cost = money_field(_("参考单价(元)"), validators=[UpTo("unit_cost", _("参考单价"))])
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="catalogue_items",
        verbose_name=_("增补区"),
        help_text=_("空白表示国家改造菜单中的项目。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    # Only district-added items are managed by staff; national ones (district empty) are read by
    # everyone through projects.permissions.catalogue_visible_to.
    territory_lookups = {Level.DISTRICT: "district_id"}

    objects = CatalogueItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("改造菜单项目")
        verbose_name_plural = _("改造菜单")
        ordering = ["work_class", "sort_order", "code"]
        constraints = [
            check(Q(reference_unit_cost__gte=0), "catalogue_cost_non_negative", _("参考单价不能为负数。")),
        ]

    def __str__(self):
        return self.name


class Project(DateChecks, models.Model):
    code = models.CharField(_("项目编号"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度批次"))
    neighbourhoods = models.ManyToManyField(Neighbourhood, related_name="projects", verbose_name=_("小区"))
    lead_street = models.ForeignKey(
        Street, models.PROTECT, related_name="projects", verbose_name=_("牵头街道")
    )
    budget = money_field(_("概算(元)"), validators=[UpTo("amount", _("概算"))])
    contractor = models.CharField(_("施工单位"), max_length=120, blank=True)
    supervisor = models.CharField(_("监理单位"), max_length=120, blank=True)
    contract_amount = money_field(
        _("合同金额(元)"), null=True, blank=True, validators=[UpTo("amount", _("合同金额"))]
    )
    planned_start_on = models.DateField(_("计划开工日期"), null=True, blank=True)
    planned_end_on = models.DateField(_("计划完工日期"), null=True, blank=True)
    started_on = models.DateField(_("实际开工日期"), null=True, blank=True)
    completed_on = models.DateField(_("实际完工日期"), null=True, blank=True)
    stage = models.CharField(
        _("阶段"), max_length=20, choices=Stage.choices, default=Stage.CANDIDATE, db_index=True
    )
    stage_before_suspension = models.CharField(
        _("暂停前阶段"), max_length=20, choices=Stage.choices, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    territory_lookups = territory_via("neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("改造项目")
        verbose_name_plural = _("改造项目")
        ordering = ["-year", "code"]
        constraints = [
            check(Q(budget__gte=0), "project_budget_non_negative", _("概算不能为负数。")),
            check(
                Q(contract_amount__isnull=True) | Q(contract_amount__gte=0),
                "project_contract_non_negative",
                _("合同金额不能为负数。"),
            ),
            check(
                Q(planned_start_on__isnull=True)
                | Q(planned_end_on__isnull=True)
                | Q(planned_end_on__gte=models.F("planned_start_on")),
                "project_planned_end_after_start",
                _("计划完工日期不能早于计划开工日期。"),
            ),
            check(
                Q(started_on__isnull=True)
                | Q(completed_on__isnull=True)
                | Q(completed_on__gte=models.F("started_on")),
                "project_end_after_start",
                _("实际完工日期不能早于实际开工日期。"),
            ),
            check(Q(year__gte=2000) & Q(year__lte=2100), "project_year_range", _("年度批次须在2000至2100之间。")),
            # A suspended project remembers where it was; any other stage remembers nothing.
            check(
                (Q(stage=Stage.SUSPENDED) & ~Q(stage_before_suspension=""))
                | (~Q(stage=Stage.SUSPENDED) & Q(stage_before_suspension="")),
                "project_suspension_remembers_stage",
                _("暂停的项目须记录暂停前阶段。"),
            ),
        ]

    date_window = ["planned_start_on", "planned_end_on", "started_on", "completed_on"]
    date_order = [("planned_start_on", "planned_end_on", False), ("started_on", "completed_on", False)]

    def __str__(self):
        return f"{self.code} {self.name}"


class ProjectTransition(models.Model):
    """One move of a project's stage: who, when, from, to, note. Written only by project_transition."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="transitions", verbose_name=_("项目"))
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Stage.choices)
    actor = staff_user(_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class ScopeItem(models.Model):
    """A line of works of a project in one of its neighbourhoods (改造内容明细)."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="scope_items", verbose_name=_("项目"))
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="scope_items", verbose_name=_("小区")
    )
    catalogue_item = models.ForeignKey(
        CatalogueItem, models.PROTECT, related_name="scope_items", verbose_name=_("改造内容")
    )
    planned_quantity = models.DecimalField(_("计划工程量"), validators=[UpTo("quantity", _("计划工程量"))], **QUANTITY)
    unit_cost = money_field(_("单价(元)"), validators=[UpTo("unit_cost", _("单价"))])
    planned_amount = money_field(_("计划金额(元)"), validators=[UpTo("amount", _("计划金额（工程量×单价）"))])
    actual_quantity = models.DecimalField(
        _("实际工程量"), null=True, blank=True, validators=[UpTo("quantity", _("实际工程量"))], **QUANTITY
    )
    actual_amount = money_field(
        _("实际金额(元)"), null=True, blank=True, validators=[UpTo("amount", _("实际金额"))]
    )
    no_actual_reason = models.TextField(_("未实施原因"), blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("改造内容明细")
        verbose_name_plural = _("改造内容明细")
        ordering = ["project_id", "neighbourhood_id", "catalogue_item__work_class", "id"]
        constraints = [
            check(
                Q(planned_quantity__gte=0) & Q(unit_cost__gte=0) & Q(planned_amount__gte=0),
                "scopeitem_planned_non_negative",
                _("计划工程量、单价和金额不能为负数。"),
            ),
            check(
                (Q(actual_quantity__isnull=True) | Q(actual_quantity__gte=0))
                & (Q(actual_amount__isnull=True) | Q(actual_amount__gte=0)),
                "scopeitem_actual_non_negative",
                _("实际工程量和金额不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.catalogue_item} · {self.neighbourhood}"

    @property
    def is_settled(self):
        """True when the line has an actual quantity, or a reason why it has none."""
        return self.actual_quantity is not None or bool(self.no_actual_reason.strip())
