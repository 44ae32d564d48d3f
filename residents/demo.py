"""Demo data, part 2: the households (see governance/demo.py for the protocol).

Every stairwell left by governance.demo gets two flats per floor (rooms 101, 102, 201, …), each
flat type of a stairwell with its registered area (40–120 m², Decimal with 2 places). Owners get a
name from surname and given-name pools, a phone number and a mainland ID number with a valid
GB 11643 check digit, of which only the keyed hash (residents.identity.id_number_hash) is stored.
About 5 % of owners own two flats of the same neighbourhood: both carry the same hash.

Leaves in `ctx.store`: "households" (how many were created).

Written in bulk by governance.bulk (PostgreSQL's COPY, bulk_create on SQLite).
"""
import datetime
import hmac
import itertools
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from governance.bulk import insert_rows
from governance.services import recount_neighbourhood_totals

from .census.common import HOUSEHOLD_COLUMNS
from .models import Household

BATCH_ROWS = 200_000  # one transaction and one progress line each
FLATS_PER_FLOOR = 2
SECOND_FLAT_SHARE = 0.05  # of owners, who own two flats
AREA_CENTS = (4000, 12000)

# Frequent surnames, weighted roughly by how common they are.
SURNAMES = (
    "王" * 7 + "李" * 7 + "张" * 7 + "刘" * 5 + "陈" * 5 + "杨" * 3 + "黄" * 2 + "赵" * 2 + "吴" * 2 + "周" * 2
    + "徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖"
    "贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_GIVEN = (
    "建国 建华 国强 国华 建平 永刚 晓东 德明 志明 志强 文华 伟 军 勇 强 磊 涛 明 超 刚 平 杰 斌 波 "
    "海 鹏 辉 俊 峰 建军 卫东 红军 建设 胜利 家明 庆华 玉林 光明 成 兵 浩 宇 鑫 子豪 浩然"
).split()
FEMALE_GIVEN = (
    "秀英 桂英 桂兰 淑芬 淑珍 玉兰 秀兰 红梅 丽华 海燕 小红 敏 静 丽 艳 娟 霞 桂芳 玉珍 凤英 春梅 "
    "秀珍 素芳 慧 琳 婷 雪 芳 燕 萍 丽娟 晓燕 玉梅 金凤 淑华 雅婷 欣怡 梓涵"
).split()
# Sichuan region codes (the first six digits of an ID number).
REGIONS = ("511002", "511011", "511024", "511025", "511083", "510104", "510107", "510302", "513701")
PHONE_PREFIXES = ("130 131 132 133 135 136 137 138 139 150 151 152 155 157 158 159 177 180 181 182 "
                  "183 186 187 188 189 199").split()
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Owners' birth dates, as the eight digits of an ID number (1935–1985), drawn from a precomputed pool.
_BIRTH_DATES = [
    f"{datetime.date.fromordinal(day):%Y%m%d}"
    for day in range(datetime.date(1935, 1, 1).toordinal(), datetime.date(1985, 12, 31).toordinal() + 1)
]


class Owner(NamedTuple):
    name: str
    id_hash: str
    phone: str


def id_number_with_check_digit(first17):
    """The 18-character ID number: `first17` digits and their GB 11643 check character."""
    return first17 + _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def _weighted_sum(digits, weights):
    return sum(int(d) * w for d, w in zip(digits, weights))


# The check digit's weighted sum, in three precomputed parts (region, birth date, order): the seed
# makes an owner per flat, 5,000,000 of them at the city scale.
_REGION_SUMS = [(region, _weighted_sum(region, _ID_WEIGHTS[:6])) for region in REGIONS]
_BIRTH_SUMS = [(birth, _weighted_sum(birth, _ID_WEIGHTS[6:14])) for birth in _BIRTH_DATES]
_ORDER_SUMS = [_weighted_sum(f"{order:03d}", _ID_WEIGHTS[14:]) for order in range(1000)]


class OwnerMaker:
    """Makes owners with distinct ID numbers (a repeat would merge two people into one head).

    Draws with `rng.random()` (faster than `choice`), and hashes with residents.identity's key and
    message (`id_number_hash` of a number already normalised: the same hash, `hash_of`)."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()
        self.key = settings.IDENTITY_HASH_KEY.encode()

    def hash_of(self, number):
        return hmac.digest(self.key, b"id:" + number.encode(), "sha256").hex()

    def id_number(self, male):
        random = self.rng.random
        while True:
            order = int(random() * 500) * 2 + (1 if male else 0)  # 17th digit odd for men
            region, region_sum = _REGION_SUMS[int(random() * len(_REGION_SUMS))]
            birth, birth_sum = _BIRTH_SUMS[int(random() * len(_BIRTH_SUMS))]
            first17 = f"{region}{birth}{order:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + _ID_CHECK[(region_sum + birth_sum + _ORDER_SUMS[order]) % 11]

    def __call__(self):
        random = self.rng.random
        male = random() < 0.5
        given = MALE_GIVEN if male else FEMALE_GIVEN
        name = SURNAMES[int(random() * len(SURNAMES))] + given[int(random() * len(given))]
        phone = f"{PHONE_PREFIXES[int(random() * len(PHONE_PREFIXES))]}{int(random() * 10**8):08d}"
        return Owner(name, self.hash_of(self.id_number(male)), phone)


# The columns residents.demo writes (governance.bulk.insert_rows fills the others).
HOUSEHOLD_FIELDS = HOUSEHOLD_COLUMNS


def household_rows(ctx, make_owner):
    """Every flat of the stairwells governance.demo left, as tuples in HOUSEHOLD_FIELDS order."""
    rng = ctx.rng
    second_flat = SECOND_FLAT_SHARE / (1 + SECOND_FLAT_SHARE)  # the chance a flat is someone's second
    one_flat_owners, current_neighbourhood = [], None
    rooms = {}  # (floor, flat) -> room number text
    for stairwell in ctx.store["stairwells"]:
        if stairwell.neighbourhood_id != current_neighbourhood:
            current_neighbourhood, one_flat_owners = stairwell.neighbourhood_id, []
        areas = [Decimal(rng.randint(*AREA_CENTS)).scaleb(-2) for _ in range(FLATS_PER_FLOOR)]
        for floor in range(1, stairwell.floors + 1):
            for flat in range(1, FLATS_PER_FLOOR + 1):
                if one_flat_owners and rng.random() < second_flat:
                    owner = one_flat_owners.pop(rng.randrange(len(one_flat_owners)))
                else:
                    owner = make_owner()
                    one_flat_owners.append(owner)
                room = rooms.get((floor, flat)) or rooms.setdefault((floor, flat), f"{floor}{flat:02d}")
                yield (
                    stairwell.neighbourhood_id,
                    stairwell.building_id,
                    stairwell.id,
                    room,
                    floor,
                    areas[flat - 1],
                    owner.name,
                    owner.id_hash,
                    owner.phone,
                )


def seed(ctx):
    """The households, written by governance.bulk (PostgreSQL's COPY; bulk_create on SQLite), one
    transaction per BATCH_ROWS rows with a progress line each (nested in the command's transaction
    at the small scale)."""
    make_owner = OwnerMaker(ctx.rng)
    rows = household_rows(ctx, make_owner)
    total = 0
    while True:
        with transaction.atomic():
            written = insert_rows(Household, HOUSEHOLD_FIELDS, itertools.islice(rows, BATCH_ROWS))
        total += written
        if written < BATCH_ROWS:
            break
        ctx.write(f"  住户 {total:,} … · {ctx.elapsed():.0f} s")
    # Buildings (governance's demo) and households were written in bulk, past the services.
    recount_neighbourhood_totals()
    ctx.write(f"住户 {total:,}，业主 {len(make_owner.used):,}（households, owners） · {ctx.elapsed():.0f} s")
    ctx.store["households"] = total

    from .demo_reports import seed_reports

    seed_reports(ctx)
