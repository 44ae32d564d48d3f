"""The national works menu (改造菜单): the items of docs/domain-rules.md "Works menu", by class, with units
and plausible reference unit costs (yuan, 2024 price level, for estimates only; a district adjusts
its own items in the admin).

Loaded by the data migration 0002 and by `ensure_national_menu()` (tests whose database was
flushed by a transactional test, and the demo seed). Changing the list later needs a new data
migration that calls `load_national_menu` again: it updates by code, idempotently.
"""

from decimal import Decimal

# (code, name, class, unit, reference unit cost)
ITEMS = [
    # 基础类: safety and basic living needs — renovate all that need it.
    ("water_supply", "供水管网及设施改造", "basic", "m", "350.00"),
    ("drainage", "排水管网改造及雨污分流", "basic", "m", "600.00"),
    ("power_supply", "供电设施及线路改造", "basic", "m", "300.00"),
    ("weak_current", "弱电线路整治", "basic", "m", "80.00"),
    ("roads", "小区道路修缮", "basic", "m2", "180.00"),
    ("gas", "燃气管道及设施改造", "basic", "m", "400.00"),
    ("heating", "供热管网及设施改造", "basic", "m", "500.00"),
    ("fire_safety", "消防设施改造", "basic", "set", "20000.00"),
    ("security", "安防设施（监控、门禁）", "basic", "set", "30000.00"),
    ("refuse_sorting", "生活垃圾分类设施", "basic", "place", "8000.00"),
    ("telecom", "通信设施改造", "basic", "m", "100.00"),
    ("overhead_wires", "架空线缆规整（“蜘蛛网”治理）", "basic", "m", "60.00"),
    ("roofs", "屋面防水及平改坡", "basic", "m2", "150.00"),
    ("outer_walls", "外墙修缮及保温", "basic", "m2", "200.00"),
    ("stairs", "楼梯间及公共部位修缮", "basic", "building", "40000.00"),
    # 完善类: convenience and comfort — renovate where possible.
    ("illegal_structures", "拆除违法建设", "improvement", "m2", "80.00"),
    ("greening", "绿化提升", "improvement", "m2", "120.00"),
    ("lighting", "公共照明", "improvement", "set", "3000.00"),
    ("age_friendly", "适老化改造", "improvement", "item", "50000.00"),
    ("barrier_free", "无障碍设施", "improvement", "item", "30000.00"),
    ("parking", "停车位建设及停车设施", "improvement", "place", "15000.00"),
    ("ev_chargers", "汽车充电桩", "improvement", "place", "6000.00"),
    ("ebike_chargers", "电动自行车充电设施", "improvement", "place", "800.00"),
    ("parcel_lockers", "智能快件箱", "improvement", "set", "10000.00"),
    ("culture_fitness", "文化休闲及体育健身设施", "improvement", "item", "80000.00"),
    ("property_rooms", "物业管理用房", "improvement", "m2", "3000.00"),
    ("energy_retrofit", "建筑节能改造", "improvement", "m2", "260.00"),
    ("elevator_retrofit", "既有住宅加装电梯", "improvement", "unit", "600000.00"),
    # 提升类: public services — renovate by the neighbourhood's conditions.
    ("community_service_centre", "社区综合服务设施", "enhancement", "m2", "4000.00"),
    ("clinic", "社区卫生服务站", "enhancement", "m2", "4000.00"),
    ("kindergarten", "幼儿园", "enhancement", "m2", "5000.00"),
    ("perimeter_sensing", "周界防护等智能感知设施", "enhancement", "set", "50000.00"),
    ("elderly_care", "养老服务设施", "enhancement", "m2", "4000.00"),
    ("childcare", "托育服务设施", "enhancement", "m2", "4000.00"),
    ("canteen", "社区食堂（助餐点）", "enhancement", "m2", "3500.00"),
    ("housekeeping", "家政服务网点", "enhancement", "m2", "2500.00"),
    ("market", "便民市场", "enhancement", "m2", "3000.00"),
    ("convenience_store", "便利店", "enhancement", "m2", "2500.00"),
    ("delivery_station", "邮政快递末端综合服务站", "enhancement", "m2", "2500.00"),
]


def load_national_menu(model):
    """Create or update the national items on `model` (the CatalogueItem model, real or historical)."""
    for order, (code, name, work_class, unit, cost) in enumerate(ITEMS):
        model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "work_class": work_class,
                "unit": unit,
                "reference_unit_cost": Decimal(cost),
                "sort_order": order,
                "district": None,
            },
        )


def ensure_national_menu():
    """Load the national menu when it is missing (one query when it is there)."""
    from .models import CatalogueItem

    if not CatalogueItem.objects.filter(district=None, code=ITEMS[0][0]).exists():
        load_national_menu(CatalogueItem)
