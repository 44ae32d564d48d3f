"""Renovation projects: the works menu, projects and their lifecycle, scope, progress, supervision,
acceptance, photos, publicity notices and objections.

Territory. A project reaches the territory through its neighbourhoods (many-to-many), so its
`territory_lookups` cross that relation and it sets `territory_distinct = True`: staff see a project
when one of its neighbourhoods lies in their territory. The lead street (牵头街道) does *not* widen
who sees the project: it records which street runs it, and the services require it to be the street
of one of the project's neighbourhoods, so street staff of the lead street always see it. Rows
hanging off a project (transitions, progress, findings, acceptance, photos, notices) follow the
project; a scope item and an objection follow their own neighbourhood / household, which are
narrower (a community's staff see their own lines of a bundled project, and only the objections
of their own households).
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import LONG_TEXT_MAX, DateChecks, UpTo, bounded_text
from governance.choices import Level
from governance.fields import check, staff_user
from governance.models import District, Neighbourhood, Street
from governance.money import money_field
from governance.scoping import territory_via
from residents.models import Household

from .choices import (
    FindingSource,
    NoticeKind,
    ObjectionStatus,
    PhotoKind,
    Severity,
    Stage,
    Unit,
    WorkClass,
)
from .querysets import CatalogueItemQuerySet, ProjectQuerySet

QUANTITY = {"max_digits": 12, "decimal_places": 2}
KM = {"max_digits": 10, "decimal_places": 3}
# The bound of a count a monthly report states (sets, lamps): far above any city's total.
COUNT_MAX = 1_000_000

# The bound of a resident's objection, in characters: the form, the service and the admin read it.
OBJECTION_MAX_LENGTH = 2000


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


class ProgressReport(DateChecks, models.Model):
    """A monthly progress report. Percent, investment and quantities are cumulative to the month's
    end (the national statistics are reported as totals to date)."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="progress_reports", verbose_name=_("项目")
    )
    month = models.DateField(_("月份"), help_text=_("该月1日。"))
    percent_complete = models.DecimalField(_("形象进度(%)"), max_digits=5, decimal_places=2)
    investment_to_date = money_field(_("累计完成投资(元)"), validators=[UpTo("amount", _("累计完成投资"))])
    pipes_water_km = models.DecimalField(_("供水管线(千米)"), default=0, **KM)
    pipes_drainage_km = models.DecimalField(_("排水管线(千米)"), default=0, **KM)
    pipes_gas_km = models.DecimalField(_("燃气管线(千米)"), default=0, **KM)
    pipes_heating_km = models.DecimalField(_("供热管线(千米)"), default=0, **KM)
    pipes_power_km = models.DecimalField(_("供电线路(千米)"), default=0, **KM)
    pipes_telecom_km = models.DecimalField(_("通信线路(千米)"), default=0, **KM)
    roads_m2 = models.DecimalField(_("道路(平方米)"), default=0, **QUANTITY)
    elevators = models.PositiveIntegerField(_("加装电梯(部)"), default=0)
    parking_spaces = models.PositiveIntegerField(_("停车位(个)"), default=0)
    ev_chargers = models.PositiveIntegerField(_("汽车充电桩(个)"), default=0)
    ebike_chargers = models.PositiveIntegerField(_("电动自行车充电设施(个)"), default=0)
    service_facilities = models.PositiveIntegerField(_("养老托育等服务设施(个)"), default=0)
    energy_retrofit_m2 = models.DecimalField(_("建筑节能改造(平方米)"), default=0, **QUANTITY)
    illegal_structures_removed_m2 = models.DecimalField(
        _("拆除违法建设(平方米)"),
        default=0,
        validators=[MinValueValidator(0), UpTo("quantity", _("拆除违法建设"))],
        **QUANTITY,
    )
    facades_m2 = models.DecimalField(
        _("外墙改造(平方米)"), default=0, validators=[MinValueValidator(0), UpTo("quantity", _("外墙改造"))], **QUANTITY
    )
    security_fire_systems = models.PositiveIntegerField(
        _("安防消防设施(套)"), default=0, validators=[MaxValueValidator(COUNT_MAX)]
    )
    lights = models.PositiveIntegerField(_("照明灯具(盏)"), default=0, validators=[MaxValueValidator(COUNT_MAX)])
    greening_m2 = models.DecimalField(
        _("绿化(平方米)"), default=0, validators=[MinValueValidator(0), UpTo("quantity", _("绿化"))], **QUANTITY
    )
    note = models.TextField(_("说明"), blank=True)
    reported_by = staff_user(_("填报人"))
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    QUANTITY_FIELDS = (
        "pipes_water_km",
        "pipes_drainage_km",
        "pipes_gas_km",
        "pipes_heating_km",
        "pipes_power_km",
        "pipes_telecom_km",
        "roads_m2",
        "elevators",
        "parking_spaces",
        "ev_chargers",
        "ebike_chargers",
        "service_facilities",
        "energy_retrofit_m2",
        "illegal_structures_removed_m2",
        "facades_m2",
        "security_fire_systems",
        "lights",
        "greening_m2",
    )

    class Meta:
        verbose_name = _("月度进度")
        verbose_name_plural = _("月度进度")
        ordering = ["project_id", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="progress_one_per_month"),
            check(
                Q(percent_complete__gte=0) & Q(percent_complete__lte=100),
                "progress_percent_range",
                _("形象进度须在0至100之间。"),
            ),
            check(
                Q(investment_to_date__gte=0)
                & Q(pipes_water_km__gte=0)
                & Q(pipes_drainage_km__gte=0)
                & Q(pipes_gas_km__gte=0)
                & Q(pipes_heating_km__gte=0)
                & Q(pipes_power_km__gte=0)
                & Q(pipes_telecom_km__gte=0)
                & Q(roads_m2__gte=0)
                & Q(energy_retrofit_m2__gte=0),
                "progress_amounts_non_negative",
                _("投资和工程量不能为负数。"),
            ),
            check(
                Q(illegal_structures_removed_m2__gte=0)
                & Q(facades_m2__gte=0)
                & Q(greening_m2__gte=0)
                & Q(security_fire_systems__lte=COUNT_MAX)
                & Q(lights__lte=COUNT_MAX),
                "progress_added_quantities_bounded",
                _("工程量不能为负数，套数和盏数不能超过一百万。"),
            ),
            check(Q(month__day=1), "progress_month_first_day", _("月份须为该月1日。")),
        ]

    date_window = ["month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class SupervisionFinding(DateChecks, models.Model):
    """A quality finding by staff or a resident volunteer supervisor; open until resolved with a note."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="findings", verbose_name=_("项目"))
    source = models.CharField(_("发现人类型"), max_length=30, choices=FindingSource.choices)
    reported_by = staff_user(_("登记人"))
    supervisor_name = models.CharField(
        _("义务监督员"), max_length=50, blank=True, help_text=_("由义务监督员发现时填写其姓名。")
    )
    severity = models.CharField(
        _("严重程度"), max_length=20, choices=Severity.choices, default=Severity.MINOR
    )
    description = models.TextField(_("问题描述"))
    # The resident's report it was made from (随时反馈, projects.report_findings), if any.
    resident_report = models.OneToOneField(
        "residents.ResidentReport",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="finding",
        verbose_name=_("居民反馈"),
    )
    opened_at = models.DateTimeField(_("发现时间"))
    resolved_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    resolution_note = models.TextField(_("整改说明"), blank=True)
    resolved_by = staff_user(_("销号人"))

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("质量监督问题")
        verbose_name_plural = _("质量监督问题")
        ordering = ["-opened_at", "-id"]
        constraints = [
            check(
                Q(resolved_at__isnull=True) | ~Q(resolution_note=""),
                "finding_resolved_with_note",
                _("销号须填写整改说明。"),
            ),
            check(
                Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("opened_at")),
                "finding_resolved_after_opened",
                _("整改完成时间不能早于发现时间。"),
            ),
            check(
                ~Q(source=FindingSource.RESIDENT_SUPERVISOR) | ~Q(supervisor_name=""),
                "finding_resident_supervisor_named",
                _("由义务监督员发现的问题须填写监督员姓名。"),
            ),
        ]

    date_window = ["opened_at", "resolved_at"]
    date_order = [("opened_at", "resolved_at", False)]

    def __str__(self):
        return self.description[:40]

    @property
    def is_open(self):
        return self.resolved_at is None


class Acceptance(DateChecks, models.Model):
    """A completion acceptance (竣工验收) with resident representatives. The latest one counts."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="acceptances", verbose_name=_("项目"))
    accepted_on = models.DateField(_("验收日期"))
    participants = models.TextField(_("参加单位及人员"))
    resident_representatives = models.TextField(_("居民代表"))
    satisfaction_rate = models.DecimalField(_("居民满意度(%)"), max_digits=5, decimal_places=2)
    passed = models.BooleanField(_("验收通过"))
    note = models.TextField(_("验收意见"), blank=True)
    recorded_by = staff_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("竣工验收")
        verbose_name_plural = _("竣工验收")
        ordering = ["project_id", "-accepted_on", "-id"]
        constraints = [
            check(
                Q(satisfaction_rate__gte=0) & Q(satisfaction_rate__lte=100),
                "acceptance_satisfaction_range",
                _("居民满意度须在0至100之间。"),
            ),
        ]

    date_window = ["accepted_on"]

    def __str__(self):
        return f"{self.accepted_on}"


def _photo_path(instance, filename):
    return f"projects/photos/{filename}"


class Photo(DateChecks, models.Model):
    """A photo of a project (or of one finding). Stored re-encoded, without EXIF, under a uuid name;
    see governance.photos."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="photos", verbose_name=_("项目"))
    finding = models.ForeignKey(
        SupervisionFinding,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("监督问题"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=PhotoKind.choices)
    caption = models.CharField(_("说明"), max_length=120, blank=True)
    image = models.ImageField(_("照片"), upload_to=_photo_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("缩略图"), upload_to=_photo_path)
    width = models.PositiveIntegerField(_("宽"), default=0, editable=False)
    height = models.PositiveIntegerField(_("高"), default=0, editable=False)
    uid = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = staff_user(_("上传人"))

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["project_id", "kind", "-uploaded_at"]

    date_window = ["taken_at"]

    def __str__(self):
        return self.caption or str(self.uid)


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
