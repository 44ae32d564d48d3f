"""The territory (District → Street → Community → Neighbourhood → Building → Stairwell), staff
roles, and the audit log.

Every model that belongs to a territory declares `territory_lookups`: for each level
(district/street/community) the ORM lookup from the model to that level's id. The one scoping
function (governance.scoping.scope) reads it; see there.
"""
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .bounds import DateChecks, UpTo
from .choices import ROLE_LEVEL, EligibilityStatus, Level, RoleKind
from .fields import check, staff_user
from .querysets import AssessmentQuerySet, NeighbourhoodQuerySet

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
                    Q(
                        kind=RoleKind.CITY_OFFICIAL,
                        district__isnull=True,
                        street__isnull=True,
                        community__isnull=True,
                    )
                    | Q(
                        kind=RoleKind.DISTRICT_OFFICIAL,
                        district__isnull=False,
                        street__isnull=True,
                        community__isnull=True,
                    )
                    | Q(
                        kind=RoleKind.STREET_STAFF,
                        district__isnull=True,
                        street__isnull=False,
                        community__isnull=True,
                    )
                    | Q(
                        kind=RoleKind.COMMUNITY_STAFF,
                        district__isnull=True,
                        street__isnull=True,
                        community__isnull=False,
                    )
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
        if self.level is None:
            return None  # the city official: the whole deployment
        return {
            Level.DISTRICT: self.district_id,
            Level.STREET: self.street_id,
            Level.COMMUNITY: self.community_id,
        }[self.level]

    def __str__(self):
        if self.kind == RoleKind.CITY_OFFICIAL:
            return str(self.get_kind_display())
        place = self.district_id and self.district or self.street_id and self.street or self.community
        return f"{self.get_kind_display()} · {place}"


class AuditEntry(models.Model):
    """One row per write done by a service: who did what to which object, and the details."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = staff_user(_("操作人"))
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


# ---- long-term management (长效管理): arrangements and their yearly assessments ----------------


class ManagementMode(models.TextChoices):
    PROFESSIONAL = "professional", _("专业化物业")
    SELF_MANAGED = "self_managed", _("居民自管")
    FALLBACK = "fallback", _("社区或国企兜底托管")
    NONE = "none", _("无人管理")


class ManagementArrangement(DateChecks, models.Model):
    """How a neighbourhood is managed from `started_on` until `ended_on` (empty: the current one).

    One current arrangement per neighbourhood (a partial unique constraint). Writes go through
    funding.services (arrangement_start ends the current one and starts the next in one
    transaction)."""

    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="arrangements", verbose_name=_("小区")
    )
    mode = models.CharField(_("管理方式"), max_length=20, choices=ManagementMode.choices)
    provider = models.ForeignKey(
        "governance.Provider",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="arrangements",
        verbose_name=_("管理单位"),
        help_text=_("本区登记的物业公司、社区公司、红色物业或其他管理单位；专业化物业必填。"),
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("空白表示现行管理方式。"))
    contract_start = models.DateField(_("合同开始日期"), null=True, blank=True)
    contract_end = models.DateField(_("合同结束日期"), null=True, blank=True)
    fee_per_m2_month = models.DecimalField(
        _("物业费(元/平方米·月)"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[UpTo("fee", _("物业费"))],
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = {
        Level.DISTRICT: "neighbourhood__community__street__district_id",
        Level.STREET: "neighbourhood__community__street_id",
        Level.COMMUNITY: "neighbourhood__community_id",
    }

    class Meta:
        verbose_name = _("长效管理安排")
        verbose_name_plural = _("长效管理安排")
        ordering = ["neighbourhood_id", "-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["neighbourhood"],
                condition=Q(ended_on__isnull=True),
                name="arrangement_one_current",
                violation_error_message=_("每个小区只能有一个现行的长效管理安排。"),
            ),
            check(
                Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                "arrangement_end_after_start",
                _("结束日期不能早于开始日期。"),
            ),
            check(Q(fee_per_m2_month__gte=0), "arrangement_fee_non_negative", _("物业费不能为负数。")),
            check(
                ~Q(mode=ManagementMode.PROFESSIONAL) | Q(provider__isnull=False),
                "arrangement_professional_has_provider",
                _("专业化物业须选择物业服务单位。"),
            ),
            check(
                Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                "arrangement_contract_order",
                _("合同结束日期不能早于合同开始日期。"),
            ),
        ]

    date_window = ["started_on", "ended_on", "contract_start", "contract_end"]
    date_order = [("started_on", "ended_on", False), ("contract_start", "contract_end", False)]

    def clean(self):
        super().clean()
        if self.provider_id is not None and self.neighbourhood_id is not None:
            district_id = (
                Neighbourhood.objects.filter(pk=self.neighbourhood_id)
                .values_list("community__street__district_id", flat=True)
                .first()
            )
            if self.provider.district_id != district_id:
                raise ValidationError({"provider": _("管理单位须为本小区所在区登记的单位。")})

    def __str__(self):
        return f"{self.neighbourhood} · {self.get_mode_display()}"

    @property
    def is_current(self):
        return self.ended_on is None


class Assessment(DateChecks, models.Model):
    """A yearly service assessment (考核) of an arrangement: a score 0–100 and its items.

    `year` names the assessment (the "2027" of 2027年度考核); `period_start`–`period_end` (both
    inclusive) is the service period it judges: by default its calendar year (1 January to
    31 December, filled in by clean() and save() when left empty), or any period of at most one
    year that touches `year`, e.g. a plan year 2027-03-01 – 2028-02-29. Which assessment decides a
    subsidy plan year is funding's rule (funding.schedule.assessment_decides): the latest recorded
    one of the neighbourhood whose period ends within that plan year.

    Re-assessment adds a row; the latest recorded one (the highest id) counts, whatever its
    assessed_at (which is when the assessors did it, for the record). `items` maps an item code
    (e.g. "fee_collection", "inspection", "safety") to its points, as decimal strings."""

    arrangement = models.ForeignKey(
        ManagementArrangement, models.PROTECT, related_name="assessments", verbose_name=_("长效管理安排")
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    period_start = models.DateField(
        _("考核期开始"), blank=True, help_text=_("留空则为考核年度的1月1日。")
    )
    period_end = models.DateField(
        _("考核期结束"),
        blank=True,
        help_text=_("含当日；留空则为考核年度的12月31日。考核期不超过一年。"),
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    items = models.JSONField(_("分项得分"), default=dict, blank=True)
    assessor = models.CharField(_("考核单位/考核人"), max_length=100)
    assessed_at = models.DateTimeField(_("考核时间"))
    note = models.TextField(_("考核意见"), blank=True)
    recorded_by = staff_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    territory_lookups = {
        Level.DISTRICT: "arrangement__neighbourhood__community__street__district_id",
        Level.STREET: "arrangement__neighbourhood__community__street_id",
        Level.COMMUNITY: "arrangement__neighbourhood__community_id",
    }

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        ordering = ["arrangement_id", "-year", "-id"]
        indexes = [
            models.Index(fields=["arrangement", "year"], name="assessment_arrangement_year"),
            models.Index(fields=["arrangement", "period_end"], name="assessment_arrangement_end"),
        ]
        constraints = [
            check(Q(score__gte=0) & Q(score__lte=100), "assessment_score_range", _("考核得分须在0至100之间。")),
            check(Q(year__gte=2000) & Q(year__lte=2100), "assessment_year_range", _("考核年度须在2000至2100之间。")),
            check(
                Q(period_end__gte=models.F("period_start")),
                "assessment_period_order",
                _("考核期结束不能早于考核期开始。"),
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.score}"

    # An assessment judges at most one year of service: 365 days between its first and last day
    # (a leap year's 366 days inclusive).
    MAX_PERIOD_DAYS = 365

    @staticmethod
    def default_period(year):
        """The period of an assessment of `year` that does not say otherwise: its calendar year."""
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)

    def fill_period(self):
        """Fill an empty period_start / period_end from `year` (see default_period)."""
        if self.year and (self.period_start is None or self.period_end is None):
            first, last = self.default_period(self.year)
            self.period_start = self.period_start or first
            self.period_end = self.period_end or last

    date_window = ["period_start", "period_end", "assessed_at"]

    def clean(self):
        """The period: filled from the year when empty; in order; at most one year; touching the
        year it is named after (a period 2027-03-01 – 2028-02-29 may be 2027's or 2028's)."""
        super().clean()
        if not self.year or not 2000 <= self.year <= 2100:
            return  # the year's own check reports it
        self.fill_period()
        if self.period_end < self.period_start:
            raise ValidationError({"period_end": _("考核期结束不能早于考核期开始。")})
        if (self.period_end - self.period_start).days > self.MAX_PERIOD_DAYS:
            raise ValidationError(
                {
                    "period_end": _("考核期不能超过一年（%(start)s 至 %(end)s）。")
                    % {"start": self.period_start, "end": self.period_end}
                }
            )
        if not self.period_start.year <= self.year <= self.period_end.year:
            raise ValidationError(
                {
                    "period_start": _("考核期（%(start)s 至 %(end)s）不在%(year)d年度内。")
                    % {"start": self.period_start, "end": self.period_end, "year": self.year}
                }
            )

    def save(self, *args, **kwargs):
        self.fill_period()
        super().save(*args, **kwargs)


# ---- failed staff logins (governance.logins) ---------------------------------------------------


class LoginCounter(models.Model):
    """Failed staff logins counted against one account from one client, or against one client
    whatever the account, for governance.logins. Rows are written only there, under a row lock;
    a row past `expires_at` counts as empty. `locked_until` is when the next attempt is checked
    again; a superuser unlocks by deleting the row (governance.logins.login_unlock)."""

    class Kind(models.TextChoices):
        ACCOUNT_CLIENT = "account_client", _("账号+客户端")
        CLIENT = "client", _("客户端")

    kind = models.CharField(_("计数类型"), max_length=20, choices=Kind.choices)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    client = models.CharField(_("客户端地址"), max_length=64)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近一次失败"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")
        ordering = ["-last_failure_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "username", "client"], name="login_counter_unique"),
        ]

    def __str__(self):
        if self.kind == self.Kind.CLIENT:
            return self.client
        return f"{self.username} @ {self.client}"


# Self-governance bodies and the party members' ledger live in their own module.
from .bodies import Body, BodyMember, CompositionRule, PartyMember, VanguardTeam  # noqa: E402,F401
# Joint meetings and their resolutions live in their own module.
from .meetings import JointMeeting, Resolution  # noqa: E402,F401
# Star ratings (the five-star neighbourhood) live in their own module.
from .stars import StarDimension, StarRating, StarScheme  # noqa: E402,F401
# Disclosure (三公开) lives in its own module.
from .disclosure import Disclosure, DisclosureAttachment  # noqa: E402,F401
from .providers import Provider  # noqa: E402,F401
# Grid roles (the five heads and grid workers) live in their own module.
from .grid import GridRole  # noqa: E402,F401
