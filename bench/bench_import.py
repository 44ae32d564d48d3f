#!/usr/bin/env python
"""Benchmark of the census import (residents.census.census_import).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/renovation \
        .venv/bin/python bench/bench_import.py --rows 100000

Makes sure a dedicated bench district (基准测试区) with its streets and communities exists, clears
what an earlier run imported there, writes a CSV of N households (realistic Chinese names, valid ID
numbers, mobile numbers) to a temporary folder, then times the import twice: the first run
creates everything, the second finds everything unchanged. With --with-update a third run imports
a corrected file in which every household's area changed. Prints a line like
`import 100000 rows: first 23.4 s, re-import 11.2 s` with the rates and the peak memory, and the
first import's ratio to a COPY of the same households (prepared in memory) into a fresh table made
like residents_household with the same indexes, in the same run (issue 14: goal <= 2.5x).

Refuses to run on SQLite unless --allow-sqlite: the figure that matters is PostgreSQL's.
"""

import argparse
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from common import BENCH_SECRET_KEY  # bench/ is first on the path (see common.py)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from governance.models import Building, Community, District, Neighbourhood, Stairwell, Street  # noqa: E402
from residents.census import COLUMNS, SYSTEM_ACTOR, census_import  # noqa: E402
from residents.identity import id_number_check_digit  # noqa: E402
from residents.models import Household  # noqa: E402

BENCH_DISTRICT = "基准测试区"
HEADERS = [column.label for column in COLUMNS]  # the Chinese headers, in the import's order
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅林文辉宇鑫鹏飞斌浩凯晨欣怡雪琳婷倩丹"
ROADS = "人民解放建设和平胜利光明新华东风幸福团结文化青年红星"
AREA_CODES = ["510104", "510105", "510106", "510107", "510108", "511002", "511011", "511025"]
MOBILE_PREFIXES = [
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "158",
    "159",
    "177",
    "180",
    "186",
    "189",
    "199",
]


def id_number(rng):
    birth = f"{rng.randint(1935, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{rng.choice(AREA_CODES)}{birth}{rng.randint(0, 999):03d}"
    return body + id_number_check_digit(body)


def person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def ensure_territory(streets, communities_per_street):
    district, _ = District.objects.get_or_create(name=BENCH_DISTRICT)
    communities = []
    for s in range(1, streets + 1):
        street, _ = Street.objects.get_or_create(district=district, name=f"基准街道{s}")
        for c in range(1, communities_per_street + 1):
            community, _ = Community.objects.get_or_create(street=street, name=f"基准社区{s}-{c}")
            communities.append(community)
    return district, communities


def clear(communities):
    """Remove what an earlier run imported into the bench communities, children first, one
    community at a time so the deletion's own memory stays small beside the import's."""
    for community in communities:
        Household.objects.filter(neighbourhood__community=community).delete()
        Stairwell.objects.filter(building__neighbourhood__community=community).delete()
        Building.objects.filter(neighbourhood__community=community).delete()
        Neighbourhood.objects.filter(community=community).delete()
    # The deleted rows would stay in the tables and their indexes until autovacuum came by: each
    # run would import into tables bloated by the runs before it (1.1 million dead households
    # after a few runs), unlike the COPY baseline's fresh table. Vacuum them away, so every run
    # imports into tables as a first import finds them.
    with connection.cursor() as cursor:
        for model in (Household, Stairwell, Building, Neighbourhood):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def write_csv(path, rows, communities, seed, area_shift=0):
    """N households: neighbourhoods of 10 buildings, 2 stairwells (every tenth building has none),
    6 floors, 2 flats a floor; spread evenly over the communities."""
    rng = random.Random(seed)
    per_community = -(-rows // len(communities))
    written = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for community in communities:
            place = [BENCH_DISTRICT, community.street.name, community.name]
            n = 0
            in_community = 0
            while in_community < per_community and written < rows:
                n += 1
                neighbourhood = f"{rng.choice(ROADS)}{rng.choice(ROADS)}路{n}号院"
                built_year = rng.randint(1975, 2000)
                for b in range(1, 11):
                    stairwells = [""] if b % 10 == 0 else ["1单元", "2单元"]
                    for stairwell in stairwells:
                        for floor in range(1, 7):
                            for flat in (1, 2):
                                if in_community >= per_community or written >= rows:
                                    break
                                area = f"{rng.randint(3500, 14000) / 100 + area_shift:.2f}"
                                writer.writerow(
                                    [
                                        *place,
                                        neighbourhood,
                                        built_year,
                                        f"{b}栋",
                                        stairwell,
                                        f"{floor}0{flat}",
                                        floor,
                                        area,
                                        person(rng),
                                        id_number(rng),
                                        rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
                                    ]
                                )
                                written += 1
                                in_community += 1
    return written


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(path):
    start = time.perf_counter()
    result = census_import(file=path, actor=SYSTEM_ACTOR)
    return time.perf_counter() - start, result


def checked_import(path, expected, complaint):
    """timed_import, exiting with `complaint` unless the households (created, updated, unchanged)
    are `expected`."""
    seconds, result = timed_import(path)
    households = result.households
    if (households.created, households.updated, households.unchanged) != expected:
        sys.exit(f"bench_import: {complaint}, got {households}")
    return seconds, result


COPY_TABLE = "bench_import_copy"


def copy_baseline(communities):
    """The floor of the first import: the households it wrote, COPYed (PostgreSQL's text format, as
    prepared in memory beforehand) into a fresh table made like residents_household with the same
    indexes and constraints (LIKE ... INCLUDING ALL; no foreign keys, which LIKE does not copy),
    in one transaction. Returns the seconds the COPY and its commit took; drops the table."""
    table = Household._meta.db_table
    columns = [f.column for f in Household._meta.concrete_fields if not f.primary_key]
    listed = ", ".join(f'"{c}"' for c in columns)
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f'COPY (SELECT {listed} FROM "{table}" WHERE neighbourhood_id IN '
            f'(SELECT id FROM governance_neighbourhood WHERE community_id IN ({", ".join(str(c.pk) for c in communities)}))) '
            "TO STDOUT",
            buffer,
        )
        cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        cursor.execute(f'CREATE TABLE {COPY_TABLE} (LIKE "{table}" INCLUDING ALL)')
    buffer.seek(0)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {COPY_TABLE} ({listed}) FROM STDIN", buffer)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {COPY_TABLE}")
    return elapsed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--streets", type=int, default=4)
    parser.add_argument("--communities-per-street", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20011)
    parser.add_argument(
        "--with-update", action="store_true", help="also time a corrected file (every area changed)"
    )
    parser.add_argument("--allow-sqlite", action="store_true")
    return parser.parse_args()


def check_database(allow_sqlite):
    """Refuse SQLite unless allowed; print the database."""
    vendor = connection.vendor
    if vendor == "sqlite" and not allow_sqlite:
        sys.exit(
            "bench_import: refusing to run on SQLite; set DATABASE_URL to PostgreSQL (or pass --allow-sqlite)"
        )
    db = settings.DATABASES["default"]
    print(f"database: {vendor} {db.get('NAME')}")


def bench_communities(streets, communities_per_street):
    """The bench district's communities (with their streets), emptied of an earlier run's import."""
    _district, communities = ensure_territory(streets, communities_per_street)
    communities = list(Community.objects.filter(pk__in=[c.pk for c in communities]).select_related("street"))
    start = time.perf_counter()
    clear(communities)
    print(f"cleared the bench district in {time.perf_counter() - start:.1f} s")
    return communities


def generate(path, args, communities):
    """Write the census file; returns its rows."""
    start = time.perf_counter()
    count = write_csv(path, args.rows, communities, args.seed)
    print(
        f"generated {count} rows ({path.stat().st_size / 1e6:.1f} MB)"
        f" in {time.perf_counter() - start:.1f} s"
    )
    return count


def main():
    args = parse_args()
    check_database(args.allow_sqlite)
    communities = bench_communities(args.streets, args.communities_per_street)

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        path = Path(folder) / "census.csv"
        count = generate(path, args, communities)
        memory_before = peak_mib()

        first, result = checked_import(path, (count, 0, 0), "first run should create every household")
        print(f"first run: {result.summary()}")
        again, _result = checked_import(path, (0, 0, count), "re-import should change nothing")

        copy = copy_baseline(communities)
        print(
            f"COPY of the same {count} households into a table with the same indexes: {copy:.2f} s;"
            f" first import / COPY = {first / copy:.2f}x (goal <= 2.5x)"
        )

        line = f"import {count} rows: first {first:.1f} s, re-import {again:.1f} s"
        rates = f"({count / first:,.0f} rows/s, {count / again:,.0f} rows/s"
        if args.with_update:
            write_csv(path, args.rows, communities, args.seed, area_shift=1)
            update, _result = checked_import(
                path, (0, count, 0), "the corrected file should update every household"
            )
            line += f", corrected file {update:.1f} s"
            rates += f", {count / update:,.0f} rows/s"
        print(f"{line} {rates})")
        print(f"peak memory: {peak_mib():.0f} MiB (before the imports: {memory_before:.0f} MiB)")


if __name__ == "__main__":
    main()
