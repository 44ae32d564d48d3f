"""The territory: District → Street → Community → Neighbourhood → Building → Stairwell."""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..bounds import DateChecks
from ..choices import EligibilityStatus, Level
from ..fields import staff_user
from ..querysets import NeighbourhoodQuerySet

DEFAULT_ELIGIBILITY_CUTOFF = datetime.date(2001, 1, 1)


class District(DateChecks, models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    eligibility_cutoff = models.DateField(
        _("建成年代截止日"),
        default=DEFAULT_ELIGIBILITY_CUTOFF,
        help_text=_("在此日期之前建成的小区纳入改造范围（国家口径为2001年1月1日）。"),
    )
    committee_threshold = models.PositiveIntegerField(
        _("业委会组建户数门槛"),
        default=300,
        validators=[MaxValueValidator(100000)],
        help_text=_("住户数不少于此数的小区计入业委会（物管委）组建率的分母。"),
    )

    territory_lookups = {Level.DISTRICT: "pk"}

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["name"]

    date_window = ["eligibility_cutoff"]

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

    territory_lookups = {
        Level.DISTRICT: "street__district_id",
        Level.STREET: "street_id",
        Level.COMMUNITY: "pk",
    }

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
    admitted_by = staff_user(_("纳入批准人"))
    admitted_at = models.DateTimeField(_("纳入时间"), null=True, blank=True)
    # Stored totals of the census rows below, kept by the services that write them (see
    # governance.totals; `manage.py recount_totals --check` compares them with a recount).
    building_count = models.PositiveIntegerField(_("楼栋数"), default=0, editable=False)
    household_count = models.PositiveIntegerField(_("户数"), default=0, editable=False)
    floor_area_total = models.DecimalField(
        _("建筑面积(m²)"), max_digits=16, decimal_places=2, default=Decimal("0"), editable=False
    )
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
                condition=Q(built_year__gte=1900) & Q(built_year__lte=2100),
                name="neighbourhood_built_year_range",
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
