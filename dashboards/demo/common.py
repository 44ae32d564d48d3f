"""The city history's shared settings and helpers (dashboards/demo/__init__.py's docstring)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from funding.choices import SourceKind

HOODS_PER_YEAR = {"city": 1600, "tinycity": 6}
YEARS = 4  # plan years up to this one: 48 months of reports
DEMAND_SHARE = 0.6
BALLOT_SHARE = 0.75
COST_PER_HOUSEHOLD = (18_000, 32_000)  # yuan
CONTRACTORS = ["甜城建工集团有限公司", "沱江市政工程有限公司", "川南建设有限公司", "玉溪路桥工程有限公司",
               "蜀南建设工程有限公司", "天府城市更新有限公司"]
SUPERVISORS = ["甜城建设监理有限公司", "蜀南工程咨询有限公司", "天府项目管理有限公司"]
PROVIDERS = ["甜城安居物业服务有限公司", "沱江物业管理有限公司", "玉溪物业服务有限公司"]
# (kind, name, share of a project's budget)
SOURCES = [
    (SourceKind.CENTRAL_SUBSIDY, "中央财政城镇老旧小区改造补助资金", Decimal("0.40")),
    (SourceKind.SPECIAL_BOND, "城镇老旧小区改造专项债券", Decimal("0.25")),
    (SourceKind.MUNICIPAL_BUDGET, "市级财政配套资金", Decimal("0.10")),
    (SourceKind.DISTRICT_BUDGET, "区级财政配套资金", Decimal("0.20")),
    (SourceKind.RESIDENT_CONTRIBUTION, "居民自筹", Decimal("0.05")),
]
MENU = ["drainage", "water_supply", "roads", "overhead_wires", "outer_walls", "stairs", "elevator_retrofit",
        "parking", "ev_chargers", "ebike_chargers", "lighting", "age_friendly", "greening", "security"]
OPINIONS = [
    ("希望加装电梯的费用分摊按楼层确定。", "adopted", ""),
    ("小区停车位不够，建议利用闲置空地。", "partly", "新增停车位，闲置空地一部分用于绿化。"),
    ("建议拆除所有车棚。", "not_adopted", "车棚兼作电动自行车集中充电点，拆除后存在消防隐患。"),
    ("外墙保温会不会影响采光？", "explained", "保温层厚度约5厘米，不影响采光。"),
]
CENT = Decimal("0.01")


def _aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _months(first, last):
    """The first days of the months from `first`'s to `last`'s, inclusive."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)
