"""The territory (District → Street → Community → Neighbourhood → Building → Stairwell), staff
roles, and the audit log.

Every model that belongs to a territory declares `territory_lookups`: for each level
(district/street/community) the ORM lookup from the model to that level's id. The one scoping
function (governance.scoping.scope) reads it; see there.
"""
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ROLE_LEVEL, EligibilityStatus, Level, RoleKind
from .querysets import NeighbourhoodQuerySet

DEFAULT_ELIGIBILITY_CUTOFF = datetime.date(2001, 1, 1)


class District(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    eligibility_cutoff = models.DateField(
        _("建成年代截止日"),
        default=DEFAULT_ELIGIBILITY_CUTOFF,
        help_text=_("在此日期之前建成的小区纳入改造范围（国家口径为2001年1月1日）。"),
    )

    territory_lookups = {Level.DISTRICT: "pk"}

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Street(models.Model):
    district = models.ForeignKey(District, models.PROTECT, related_name="streets", verbose_name=_("区"))
    name = models.CharField(_("名称"), max_length=50)
    code = models.CharField(_("代码"), max_length=12, blank=True)

    territory_lookups = {Level.DISTRICT: "district_id", Level.STREET: "pk"}

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["district__name", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="street_unique_name")]

    def __str__(self):
        return self.name


class Community(models.Model):
    street = models.ForeignKey(Street, models.PROTECT, related_name="communities", verbose_name=_("街道"))
    name = models.CharField(_("名称"), max_length=50)
    code = models.CharField(_("代码"), max_length=12, blank=True)

    territory_lookups = {Level.DISTRICT: "street__district_id", Level.STREET: "street_id", Level.COMMUNITY: "pk"}

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["street__name", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="community_unique_name")]

    def __str__(self):
        return self.name


class Neighbourhood(models.Model):
    """A residential compound: the unit of renovation. Eligibility: see governance.eligibility."""

    community = models.ForeignKey(
        Community, models.PROTECT, related_name="neighbourhoods", verbose_name=_("社区")
    )
    name = models.CharField(_("小区名称"), max_length=100)
    code = models.CharField(_("小区编码"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份"))
    original_property_unit = models.CharField(_("原产权单位"), max_length=100, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    admission_reason = models.TextField(
        _("破格纳入理由"),
        blank=True,
        help_text=_("晚于截止日建成的小区，须记录理由方可纳入改造。"),
    )
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("纳入批准人"),
    )
    admitted_at = models.DateTimeField(_("纳入时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = NeighbourhoodQuerySet.as_manager()

    territory_lookups = {
        Level.DISTRICT: "community__street__district_id",
        Level.STREET: "community__street_id",
        Level.COMMUNITY: "community_id",
    }

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["community__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="neighbourhood_unique_name"),
            models.CheckConstraint(
                condition=Q(built_year__gte=1900) & Q(built_year__lte=2100), name="neighbourhood_built_year_range"
            ),
        ]

    def __str__(self):
        return self.name

    def eligibility_under(self, cutoff):
        """Eligibility against a district cut-off date: built in a year before the cut-off's year
        (so the whole build year lies before it), else admitted when a reason is recorded."""
        if self.built_year < cutoff.year:
            return EligibilityStatus.ELIGIBLE
        if self.admission_reason.strip():
            return EligibilityStatus.ADMITTED
        return EligibilityStatus.INELIGIBLE


class Building(models.Model):
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.CASCADE, related_name="buildings", verbose_name=_("小区")
    )
    name = models.CharField(_("楼栋"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    has_elevator = models.BooleanField(_("有电梯"), default=False)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    territory_lookups = {
        Level.DISTRICT: "neighbourhood__community__street__district_id",
        Level.STREET: "neighbourhood__community__street_id",
        Level.COMMUNITY: "neighbourhood__community_id",
    }

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["neighbourhood_id", "name"]
        constraints = [models.UniqueConstraint(fields=["neighbourhood", "name"], name="building_unique_name")]

    def __str__(self):
        return self.name


class Stairwell(models.Model):
    building = models.ForeignKey(Building, models.CASCADE, related_name="stairwells", verbose_name=_("楼栋"))
    name = models.CharField(_("单元"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    has_elevator = models.BooleanField(_("有电梯"), default=False)

    territory_lookups = {
        Level.DISTRICT: "building__neighbourhood__community__street__district_id",
        Level.STREET: "building__neighbourhood__community__street_id",
        Level.COMMUNITY: "building__neighbourhood__community_id",
    }

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building_id", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="stairwell_unique_name")]

    def __str__(self):
        return self.name


class StaffRole(models.Model):
    """A role a staff user holds over one territory. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff_roles", verbose_name=_("用户")
    )
    kind = models.CharField(_("角色"), max_length=30, choices=RoleKind.choices)
    district = models.ForeignKey(District, models.CASCADE, null=True, blank=True, verbose_name=_("区"))
    street = models.ForeignKey(Street, models.CASCADE, null=True, blank=True, verbose_name=_("街道"))
    community = models.ForeignKey(Community, models.CASCADE, null=True, blank=True, verbose_name=_("社区"))

    class Meta:
        verbose_name = _("工作人员角色")
        verbose_name_plural = _("工作人员角色")
        constraints = [
            # Exactly the territory field of the role's level is set.
            models.CheckConstraint(
                condition=(
                    Q(kind=RoleKind.DISTRICT_OFFICIAL, district__isnull=False, street__isnull=True, community__isnull=True)
                    | Q(kind=RoleKind.STREET_STAFF, district__isnull=True, street__isnull=False, community__isnull=True)
                    | Q(kind=RoleKind.COMMUNITY_STAFF, district__isnull=True, street__isnull=True, community__isnull=False)
                ),
                name="staffrole_territory_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "district", "street", "community"], name="staffrole_unique"
            ),
        ]

    @property
    def level(self):
        return ROLE_LEVEL[self.kind]

    @property
    def territory_id(self):
        return {Level.DISTRICT: self.district_id, Level.STREET: self.street_id, Level.COMMUNITY: self.community_id}[
            self.level
        ]

    def __str__(self):
        place = self.district_id and self.district or self.street_id and self.street or self.community
        return f"{self.get_kind_display()} · {place}"


class AuditEntry(models.Model):
    """One row per write done by a service: who did what to which object, and the details."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )
    action = models.CharField(_("操作"), max_length=60)
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(_("对象ID"), max_length=40)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"
