"""Long-term management after renovation (长效管理): a neighbourhood's management arrangements and
their yearly assessments."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..bounds import DateChecks, UpTo
from ..choices import Level
from ..fields import check, staff_user
from ..querysets import AssessmentQuerySet
from .territory import Neighbourhood


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
