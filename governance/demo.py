"""Demo data, part 1 of the protocol: the territory and the demo users.

The protocol (run by `manage.py seed_demo`, see dashboards/management/commands/seed_demo.py): each
app may have a `<app>/demo.py` with `def seed(ctx)`, where `ctx` is a `DemoContext`. The command
calls them in layer order (governance, residents, projects, surveys, funding, dashboards); an app
reads what lower apps left in `ctx.store` and leaves there what higher apps need.

What this module leaves in `ctx.store`:
- "district", "streets", "communities", "neighbourhoods": the created objects, in creation order
  (street 1 is 玉溪街道, community 1 of street 1 is 桂湖社区, the demo community login's; every
  neighbourhood of that community is built before the cut-off);
- "stairwells": a list of `StairwellRow` (ids and floors), grouped by neighbourhood, in order;
- "users": {username: User} for the demo logins, "admin": the superuser.

The seed writes in bulk, straight to the tables, not through the services: it plays the role of a
census that already happened, and the district scale (15,000 buildings) must load in minutes.
Where a rule matters it goes through the service: the late-built neighbourhood admitted with a
reason is admitted by `neighbourhood_admit`, so its reason, approver and audit row are real.

The demo passwords below are public and for local demonstration only: never seed a database that
anyone else can reach.

The protocol's context, scales and logins are in governance/demo_protocol.py, the self-governance
bodies, providers and grid roles in governance/demo_bodies.py, the joint meetings, stars and
disclosures in governance/demo_meetings.py; the names other modules import from here stay here.
"""

import datetime
import math
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from .bulk import insert_rows, reserve_ids
from .choices import RoleKind
from .demo_bodies import GRID, seed_grid, seed_providers, seed_self_governance  # noqa: F401
from .demo_protocol import DEMO_LOGINS, SCALES, DemoContext, DemoLogin, ScaleSpec, StairwellRow  # noqa: F401
from .models import Building, Community, District, Neighbourhood, StaffRole, Stairwell, Street
from .services import audit, neighbourhood_admit

DISTRICT_NAME = "甜城区"
DISTRICT_CODE = "511002"
# The city's other districts (city scale), with made-up codes.
OTHER_DISTRICTS = [
    "东兴区", "沱江区", "玉溪区", "白马区", "椑木区", "高桥区", "大千区", "凤凰区", "桂湖区", "新江区",
    "兰桂区", "史家区", "汉安区", "乐贤区",
]
CITY = "甜城"
CENTRE = (Decimal("29.580000"), Decimal("105.060000"))  # latitude, longitude

FIRST_STREET = "玉溪街道"
STREETS = [
    "东兴街道", "沱江街道", "城西街道", "白马街道", "椑木街道", "牌楼街道", "乐贤街道", "壕子口街道",
    "胜利街道", "新江街道", "高桥街道", "史家街道",
]
FIRST_COMMUNITY = "桂湖社区"
COMMUNITIES = [
    "新华社区", "东风社区", "北门社区", "南门社区", "西林社区", "文英社区", "梅家山社区", "水井社区",
    "公园社区", "沱江社区", "滨江社区", "花园社区", "玉带社区", "红旗社区", "团结社区", "和平社区",
    "交通社区", "复兴社区", "兴隆社区", "三元社区", "学街社区", "大洲社区", "太白社区", "紫薇社区",
    "翠屏社区", "兰桂社区", "金鱼社区", "车站社区", "寿溪社区", "石坪社区", "汉渝社区", "民族社区",
    "东桐社区", "西园社区", "平坦社区", "双桥社区", "甜城湖社区", "大千社区", "凤凰社区", "黄桷社区",
    "二郎社区", "桂花社区", "钟鼓楼社区", "文庙社区", "玉屏社区", "书院社区", "杏林社区", "龙门社区",
]
# Former owners of staff housing: the work units of a planned-economy town.
UNITS = [
    "纺织厂", "供电局", "粮食局", "自来水公司", "机械厂", "化肥厂", "糖厂", "水泥厂", "邮电局",
    "农机厂", "棉纺厂", "搬运公司", "第一中学", "人民医院", "物资局", "交通局", "建筑公司", "百货公司",
    "食品公司", "供销社", "烟草公司", "税务局", "卫生局", "教育局", "气象局", "林业局", "水利局",
    "电影公司", "印刷厂", "酒厂", "化工厂", "钢铁厂", "电机厂", "轴承厂", "造纸厂", "丝绸厂",
    "橡胶厂", "木材公司", "五金公司", "副食品公司", "蔬菜公司", "汽车运输公司", "铁路分局", "工商银行",
    "农业银行", "电信局", "师范学校", "中医院", "制药厂", "皮革厂",
]
UNIT_SUFFIXES = ["宿舍", "家属院", "小区", "生活区", "职工宿舍", "家属区"]
# A large unit had several compounds: 纺织厂二宿舍, 纺织厂三宿舍 …
ORDINALS = ["二", "三", "四", "五", "六"]
ROADS = [
    "新华路", "人民路", "解放路", "建设路", "胜利路", "和平路", "中山路", "东风路", "红旗路", "文化路",
    "北大街", "南街", "西街", "玉溪路", "桂湖路", "滨江路", "沱江路", "大千路", "甜城大道", "幸福路",
    "交通路", "民主路", "公园路", "学府路", "东兴路", "梅家山路", "水井巷", "书院街", "汉安大道", "兰桂路",
]
ADMISSION_REASONS = [
    "建成于2001年后，但为原单位自建住房，配套设施严重老化，无物业管理，经区住建局审核同意纳入改造。",
    "小区管网老化、屋面渗漏严重，居民改造意愿强烈，经区政府常务会议研究同意破格纳入。",
]


def _split(total, parts, rng, low, high):
    """`total` split into `parts` random whole counts, each within [low, high]."""
    if not low * parts <= total <= high * parts:
        raise ValueError(f"cannot split {total} into {parts} parts of {low}..{high}")
    counts = [low] * parts
    open_parts = list(range(parts))
    for _ in range(total - low * parts):
        i = rng.randrange(len(open_parts))
        part = open_parts[i]
        counts[part] += 1
        if counts[part] == high:
            open_parts[i] = open_parts[-1]
            open_parts.pop()
    return counts


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _names(first, pool, count, rng, fallback):
    """`count` distinct names: `first`, then a random draw from `pool`, then numbered ones."""
    names = [first, *rng.sample(pool, min(count - 1, len(pool)))]
    n = 1
    while len(names) < count:
        names.append(fallback.format(n))
        n += 1
    return names[:count]


def _neighbourhood_names(rng):
    """Endless distinct (name, original_property_unit, address): staff-housing names such as
    纺织厂宿舍 or 供电局家属院 (a unit's later compounds: 纺织厂二宿舍, 纺织厂三宿舍 …), and
    street-number names such as 新华路12号院."""
    compounds = {unit: 0 for unit in UNITS}  # how many compounds each unit has so far
    used_numbers = set()

    def address():
        while True:
            road, number = rng.choice(ROADS), rng.randint(1, 300)
            if (road, number) not in used_numbers:
                used_numbers.add((road, number))
                return road, number

    while True:
        road, number = address()
        if compounds and rng.random() < 0.6:
            unit = rng.choice(list(compounds))
            count = compounds[unit]
            name = f"{unit}{rng.choice(UNIT_SUFFIXES)}" if count == 0 else f"{unit}{ORDINALS[count - 1]}宿舍"
            compounds[unit] += 1
            if compounds[unit] > len(ORDINALS):
                del compounds[unit]
            yield name, f"{CITY}{unit}", f"{road}{number}号"
        else:
            yield f"{road}{number}号院", "", f"{road}{number}号"


def _coordinate(rng, centre):
    """A point within about 400 m of `centre` (one draw of `rng`, as before the clustering)."""
    return (centre + Decimal(rng.randint(-40000, 40000)).scaleb(-7)).quantize(Decimal("0.000001"))


def _community_centres(communities, centre=CENTRE):
    """A plausible place for each community, so the dashboards' map looks like a town: the streets
    on a ring about 3 km round the district's centre, each street's communities on a ring about
    1 km round their street's centre. No randomness (the demo's draws stay as they were)."""
    streets = list(dict.fromkeys(c.street_id for c in communities))
    by_street = {s: [c for c in communities if c.street_id == s] for s in streets}
    centres = {}
    for i, street in enumerate(streets):
        angle = 2 * math.pi * i / len(streets)
        radius = 0.03 if len(streets) > 1 else 0
        s_lat, s_lng = centre[0] + Decimal(radius * math.sin(angle)), centre[1] + Decimal(radius * math.cos(angle) * 1.15)
        members = by_street[street]
        for j, community in enumerate(members):
            turn = 2 * math.pi * j / len(members) + angle
            r = 0.01 if len(members) > 1 else 0
            centres[community.pk] = (
                (s_lat + Decimal(r * math.sin(turn))).quantize(Decimal("0.000001")),
                (s_lng + Decimal(r * math.cos(turn) * 1.15)).quantize(Decimal("0.000001")),
            )
    return centres


def seed(ctx):
    """The territory (districts, streets, communities), the users and their roles, the
    neighbourhoods, buildings and stairwells, the late-built neighbourhoods admitted, and the
    governance records of the demo community; what later apps need is left in ctx.store."""
    spec = SCALES[ctx.scale]
    users = _seed_users(ctx)
    with transaction.atomic():
        districts, streets, communities = _seed_territory(spec, ctx.rng)
        district = districts[0]
        _seed_roles(users, district, streets[0], communities[0])
        ctx.write(
            f"区 {len(districts)}，街道 {len(streets)}，社区 {len(communities)}（districts, streets, communities）"
        )

    with transaction.atomic():
        neighbourhoods = _seed_neighbourhoods(ctx, spec, communities)
    with transaction.atomic():
        stairwells = _seed_buildings(ctx, spec, neighbourhoods)

    _admit_late_built(ctx, spec, district, neighbourhoods, users["admin"])
    seed_self_governance(ctx, district, communities[0], neighbourhoods, users["admin"])
    _seed_governance_work(ctx, district, communities[0], neighbourhoods, users["admin"])
    providers = seed_providers(ctx, district, users["admin"])
    seed_grid(ctx, communities[0], neighbourhoods, users["admin"])
    audit(
        actor=users["admin"],
        action="demo_seed",
        target=district,
        summary=f"演示数据（{ctx.scale}）",
        details={"scale": ctx.scale, "neighbourhoods": len(neighbourhoods), "stairwells": len(stairwells)},
    )
    ctx.store.update(
        district=district,
        districts=districts,
        streets=streets,
        communities=communities,
        neighbourhoods=neighbourhoods,
        stairwells=stairwells,
        users=users,
        admin=users["admin"],
        providers=providers,
    )


def _seed_territory(spec, rng):
    """The scale's districts (the demo district first), their streets and their communities;
    returns the three lists."""
    districts = [
        District.objects.create(name=name, code=code, eligibility_cutoff=datetime.date(2001, 1, 1))
        for name, code in zip(
            [DISTRICT_NAME, *OTHER_DISTRICTS][: spec.districts],
            [DISTRICT_CODE] + [f"5110{i:02d}" for i in range(50, 50 + spec.districts - 1)],
        )
    ]
    streets, communities = [], []
    streets_per_district = _even(spec.streets, spec.districts)
    communities_per_district = _even(spec.communities, spec.districts)
    for d, street_count, community_count in zip(districts, streets_per_district, communities_per_district):
        if d is districts[0]:
            first_street, street_pool = FIRST_STREET, STREETS
            first_community, community_pool = FIRST_COMMUNITY, COMMUNITIES
        else:  # the other districts of the city scale
            first_street = STREETS[len(streets) % len(STREETS)]
            street_pool = [name for name in STREETS if name != first_street]
            first_community = COMMUNITIES[len(communities) % len(COMMUNITIES)]
            community_pool = [name for name in COMMUNITIES if name != first_community]
        d_streets = Street.objects.bulk_create(
            Street(district=d, name=name, code=f"{d.code}{i:03d}")
            for i, name in enumerate(_names(first_street, street_pool, street_count, rng, "第{}街道"), 1)
        )
        if community_count % street_count == 0:  # an even share when it divides
            per_street = [community_count // street_count] * street_count
        else:
            per_street = _split(community_count, street_count, rng, 1, community_count)
        names = iter(_names(first_community, community_pool, community_count, rng, "第{}社区"))
        communities += Community.objects.bulk_create(
            Community(street=street, name=next(names), code=f"{street.code}{j:03d}")
            for street, count in zip(d_streets, per_street)
            for j in range(1, count + 1)
        )
        streets += d_streets
    return districts, streets, communities


def _admit_late_built(ctx, spec, district, neighbourhoods, admin):
    """Admit the scale's number of neighbourhoods built after the district's cutoff (破格纳入),
    replacing them in `neighbourhoods` by the admitted rows."""
    late = [i for i, n in enumerate(neighbourhoods) if n.built_year >= district.eligibility_cutoff.year]
    for i, reason in zip(late[: spec.admitted], ADMISSION_REASONS * spec.admitted):
        neighbourhoods[i] = neighbourhood_admit(neighbourhood=neighbourhoods[i], reason=reason, actor=admin)
    ctx.write(f"晚于截止日建成 {len(late)} 个，其中破格纳入 {min(len(late), spec.admitted)} 个（late-built, admitted）")


def _even(total, parts):
    """`total` split into `parts` counts differing by at most one."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _seed_users(ctx):
    """The demo users. An existing user of the same name is kept as it is (password untouched)."""
    User = get_user_model()
    users = {}
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={
                "is_staff": True,
                "is_superuser": login.role is None,
                "email": f"{login.username}@example.com",
            },
        )
        if created:
            user.set_password(login.password)
            user.save(update_fields=["password"])
        else:
            ctx.write(f"用户 {login.username} 已存在，未修改其密码（user exists, password unchanged）")
        users[login.username] = user
    return users


def _seed_roles(users, district, street, community):
    territory = {
        RoleKind.CITY_OFFICIAL: {},
        RoleKind.DISTRICT_OFFICIAL: {"district": district},
        RoleKind.STREET_STAFF: {"street": street},
        RoleKind.COMMUNITY_STAFF: {"community": community},
    }
    for login in DEMO_LOGINS:
        if login.role is not None:
            StaffRole.objects.create(user=users[login.username], kind=login.role, **territory[login.role])


def _seed_neighbourhoods(ctx, spec, communities):
    """The neighbourhoods, written by governance.bulk with their ids reserved first; the returned
    objects carry their ids and their community (as saved rows would)."""
    rng = ctx.rng
    per_community = _split(spec.neighbourhoods, len(communities), rng, *spec.neighbourhoods_per_community)
    # Never in the first community: all of its neighbourhoods are eligible, so the demo's story
    # there (a consultation, and an earlier renovation in aftercare) always has room.
    late = set(rng.sample(range(per_community[0], spec.neighbourhoods), spec.late_built))
    names, district_id = None, None  # names are drawn afresh in each district
    by_district = {}
    for community in communities:
        by_district.setdefault(community.street.district_id, []).append(community)
    centres = {}
    for i, members in enumerate(by_district.values()):  # the city's districts round the first one
        angle = 2 * math.pi * i / max(1, len(by_district) - 1)
        radius = 0.12 if i else 0
        centre = (CENTRE[0] + Decimal(radius * math.sin(angle)), CENTRE[1] + Decimal(radius * math.cos(angle) * 1.15))
        centres.update(_community_centres(members, centre))
    rows = []
    for community, count in zip(communities, per_community):
        if community.street.district_id != district_id:
            district_id, names = community.street.district_id, _neighbourhood_names(rng)
        for k in range(1, count + 1):
            name, unit, address = next(names)
            index = len(rows)
            rows.append(
                Neighbourhood(
                    community=community,
                    name=name,
                    code=f"{community.code}{k:03d}",
                    address=address,
                    built_year=rng.randint(2002, 2005) if index in late else rng.randint(1980, 2000),
                    original_property_unit=unit,
                    latitude=_coordinate(rng, centres[community.pk][0]),
                    longitude=_coordinate(rng, centres[community.pk][1]),
                )
            )
    fields = ("id", "community_id", "name", "code", "address", "built_year", "original_property_unit",
              "latitude", "longitude")
    for row, pk in zip(rows, reserve_ids(Neighbourhood, len(rows))):
        row.pk = pk
        row._state.adding, row._state.db = False, "default"
    insert_rows(Neighbourhood, fields, (tuple(getattr(n, f) for f in fields) for n in rows))
    ctx.write(f"小区 {len(rows):,}（neighbourhoods） · {ctx.elapsed():.0f} s")
    return rows


def _seed_buildings(ctx, spec, neighbourhoods):
    """The buildings and their stairwells, written by governance.bulk with ids reserved first (so
    the stairwells know their building without reading it back)."""
    rng = ctx.rng
    per_neighbourhood = _split(spec.buildings, len(neighbourhoods), rng, *spec.buildings_per_neighbourhood)
    buildings, stairwell_counts = [], []  # (neighbourhood_id, name, floors, built_year, address)
    for neighbourhood, count in zip(neighbourhoods, per_neighbourhood):
        for b in range(1, count + 1):
            buildings.append(
                (
                    neighbourhood.pk,
                    f"{b}栋",
                    _weighted(rng, spec.floors),
                    neighbourhood.built_year,
                    f"{neighbourhood.address}{b}栋",
                )
            )
            stairwell_counts.append(_weighted(rng, spec.stairwells_per_building))
    building_ids = reserve_ids(Building, len(buildings))
    insert_rows(
        Building,
        ("id", "neighbourhood_id", "name", "floors", "built_year", "address"),
        (
            (pk, hood, name, floors, year, address)
            for pk, (hood, name, floors, year, address) in zip(building_ids, buildings)
        ),
    )
    stairwell_ids = iter(reserve_ids(Stairwell, sum(stairwell_counts)))
    rows, stairwells = [], []
    for pk, (hood, _name, floors, _year, _address), count in zip(building_ids, buildings, stairwell_counts):
        for s in range(1, count + 1):
            row = StairwellRow(next(stairwell_ids), pk, hood, floors)
            rows.append(row)
            stairwells.append((row.id, pk, f"{s}单元", floors))
    insert_rows(Stairwell, ("id", "building_id", "name", "floors"), stairwells)
    ctx.write(f"楼栋 {len(buildings):,}，单元 {len(rows):,}（buildings, stairwells） · {ctx.elapsed():.0f} s")
    return rows


def _seed_governance_work(ctx, district, community, neighbourhoods, admin):
    """Joint meetings, stars and disclosures (governance/demo_meetings.py) in the community's first
    neighbourhood."""
    from . import demo_meetings

    first = next((n for n in neighbourhoods if n.community_id == community.pk), None)
    if first is None:
        return
    demo_meetings.seed_joint_meetings(ctx, district, community, first, admin)
    demo_meetings.seed_stars(ctx, first, admin)
    demo_meetings.seed_disclosures(ctx, first, admin)
