"""Households: one per flat (专有部分), with its registered floor area and its owner's identity."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import UpTo
from governance.choices import Level
from governance.models import Building, Neighbourhood, Stairwell
from governance.scoping import territory_via


class Household(models.Model):
    # `neighbourhood` repeats building.neighbourhood on purpose: the per-neighbourhood reads
    # (aggregates, votes, scoping) over 400,000 rows skip a join. The census import and the
    # services keep it equal to the building's; a check in clean() guards the admin.
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.CASCADE, related_name="households", verbose_name=_("小区")
    )
    building = models.ForeignKey(Building, models.CASCADE, related_name="households", verbose_name=_("楼栋"))
    stairwell = models.ForeignKey(
        Stairwell, models.CASCADE, null=True, blank=True, related_name="households", verbose_name=_("单元")
    )
    room = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    floor_area = models.DecimalField(
        _("登记面积(m²)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0), UpTo("household_area", _("登记面积"))]
    )
    owner_name = models.CharField(_("业主姓名"), max_length=50, blank=True)
    owner_id_hash = models.CharField(
        _("业主身份标识"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("身份证号的加密散列，不保存身份证号本身。"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    access_code_locator = models.CharField(_("户码前缀"), max_length=8, null=True, blank=True, unique=True)
    access_code_hash = models.CharField(_("户码散列"), max_length=64, blank=True)
    access_code_issued_at = models.DateTimeField(_("户码生成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["building_id", "stairwell_id", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["stairwell", "room"],
                condition=Q(stairwell__isnull=False),
                name="household_unique_in_stairwell",
            ),
            models.UniqueConstraint(
                fields=["building", "room"],
                condition=Q(stairwell__isnull=True),
                name="household_unique_in_building",
            ),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="household_floor_area_positive"),
        ]

    def __str__(self):
        return self.room

    @property
    def has_access_code(self):
        return bool(self.access_code_hash)

    def clean(self):
        errors = {}
        if (
            self.building_id
            and self.neighbourhood_id
            and self.building.neighbourhood_id != self.neighbourhood_id
        ):
            errors["building"] = _("楼栋不属于所选小区。")
        if self.stairwell_id and self.building_id and self.stairwell.building_id != self.building_id:
            errors["stairwell"] = _("单元不属于所选楼栋。")
        if errors:
            raise ValidationError(errors)


class AttemptCounter(models.Model):
    """Wrong household codes counted against one client (a device or an address), for
    residents.throttle. Rows are written only there, under a row lock; a row past `expires_at`
    counts as empty and is deleted by a later attempt."""

    key = models.CharField(_("计数对象"), max_length=80, unique=True)
    failures = models.PositiveIntegerField(_("错误次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近一次错误"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("户码尝试计数")
        verbose_name_plural = _("户码尝试计数")

    def __str__(self):
        return self.key


class BodyMemberHousehold(models.Model):
    """The household a member of a self-governance body lives in (optional; issue 13 item 1).
    Kept here, not on governance.BodyMember: households live in this app, above governance. The
    household lies in the body's neighbourhood (or its community, for a community's body);
    residents.services_bodies.member_household_set writes it."""

    member = models.OneToOneField(
        "governance.BodyMember", models.CASCADE, related_name="household_link", verbose_name=_("组织成员")
    )
    household = models.ForeignKey(Household, models.CASCADE, related_name="body_memberships", verbose_name=_("住户"))

    territory_lookups = {
        Level.DISTRICT: "member__body__community__street__district_id",
        Level.STREET: "member__body__community__street_id",
        Level.COMMUNITY: "member__body__community_id",
    }

    class Meta:
        verbose_name = _("组织成员住户")
        verbose_name_plural = _("组织成员住户")

    def __str__(self):
        return f"{self.member} · {self.household}"


# What residents report (随时反馈) lives in its own module.
from .reports import ResidentReport, ResidentReportPhoto  # noqa: E402,F401
