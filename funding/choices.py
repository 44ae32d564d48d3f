"""Choices of the funding app, and the subsidy installment's transition table."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    CENTRAL_SUBSIDY = "central_subsidy", _("中央补助资金")
    PROVINCIAL_BUDGET = "provincial_budget", _("省级财政资金")
    MUNICIPAL_BUDGET = "municipal_budget", _("市级财政资金")
    DISTRICT_BUDGET = "district_budget", _("区级财政资金")
    SPECIAL_BOND = "special_bond", _("专项债券")
    ORIGINAL_PROPERTY_UNIT = "original_property_unit", _("原产权单位出资")
    UTILITY_OPERATOR = "utility_operator", _("专业经营单位出资")
    SOCIAL_CAPITAL = "social_capital", _("社会资本")
    RESIDENT_CONTRIBUTION = "resident_contribution", _("居民出资")
    MAINTENANCE_FUND = "maintenance_fund", _("住宅专项维修资金")
    PUBLIC_INCOME = "public_income", _("小区公共收益")
    BANK_LOAN = "bank_loan", _("银行贷款")
    DONATION = "donation", _("捐赠")
    OTHER = "other", _("其他")


class IncomeKind(models.TextChoices):
    PARKING = "parking", _("停车收益")
    ADVERTISING = "advertising", _("广告收益")
    LOCKERS = "lockers", _("快递柜等设施收益")
    VENUES = "venues", _("场地租赁收益")
    OTHER = "other", _("其他收益")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("执行中")
    EXITED = "exited", _("已退出")


class InstallmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待到期")
    DUE = "due", _("已到期待考核")
    WITHHELD = "withheld", _("暂缓发放")
    RELEASED = "released", _("核准发放")
    PAID = "paid", _("已发放")
    STOPPED = "stopped", _("已终止")


# {from: {allowed to}}: scheduled → due → withheld | released → paid; a withheld year is released
# by a later passing re-assessment; a plan that exits early stops its scheduled years.
INSTALLMENT_TRANSITIONS = {
    InstallmentStatus.SCHEDULED: {InstallmentStatus.DUE, InstallmentStatus.STOPPED},
    InstallmentStatus.DUE: {InstallmentStatus.WITHHELD, InstallmentStatus.RELEASED},
    InstallmentStatus.WITHHELD: {InstallmentStatus.RELEASED},
    InstallmentStatus.RELEASED: {InstallmentStatus.PAID},
    InstallmentStatus.PAID: set(),
    InstallmentStatus.STOPPED: set(),
}

# The default score bands (docs/domain-rules.md, "Long-term management and subsidies"):
# ≥ 80 points pay 100 %, ≥ 70 pay 80 %, below pay nothing.
DEFAULT_SCORE_BANDS = [
    {"min_score": "80", "ratio": "1.00"},
    {"min_score": "70", "ratio": "0.80"},
]
ZERO = Decimal("0")
