"""A project's works on site: monthly progress, supervision findings, the completion acceptance
and the photos."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import DateChecks, UpTo
from governance.fields import check, staff_user
from governance.money import money_field
from governance.scoping import territory_via

from ..choices import FindingSource, PhotoKind, Severity
from .projects import QUANTITY, Project

KM = {"max_digits": 10, "decimal_places": 3}

# The bound of a count a monthly report states (sets, lamps): far above any city's total.
COUNT_MAX = 1_000_000


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

    # The quantities a report states, in two groups (the admin's two sections): pipes, then the rest.
    PIPE_FIELDS = (
        "pipes_water_km",
        "pipes_drainage_km",
        "pipes_gas_km",
        "pipes_heating_km",
        "pipes_power_km",
        "pipes_telecom_km",
    )
    OTHER_QUANTITY_FIELDS = (
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
    QUANTITY_FIELDS = PIPE_FIELDS + OTHER_QUANTITY_FIELDS

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
