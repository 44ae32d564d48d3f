"""Benchmark: how long `seed_demo --scale district` takes on PostgreSQL, beside a plain COPY of the
same households made in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/renovation .venv/bin/python bench/bench_seed.py \
        [--database renovation_bench_seed] [--scale district] [--seed 2001] [--drop]

On the server named by DATABASE_URL it drops and re-creates a dedicated database (--database; its
name must contain "bench", so a real database is never dropped), migrates it, times
`manage.py seed_demo` in a fresh process, and prints the counts and the seconds. Then the baseline:
the households the seed wrote are read out (untimed) and COPYed, in one transaction, into a new
table made like the households' (`LIKE … INCLUDING ALL`: the same columns, defaults, checks and
indexes, with the same deferred foreign keys added), which is then dropped. It prints e.g.

    seed_demo --scale district: 411,508 households in 20.3 s
    plain COPY of the same 411,508 households: 7.1 s; seed / COPY = 2.9x

The database is kept afterwards (other benchmarks can read it) unless --drop is given.
"""
import argparse
import io
import time

from psycopg2 import sql

from common import bench_database_url, connect, django_env, maintenance_url, manage, recreate

TABLES = [
    ("districts", "governance_district"),
    ("streets", "governance_street"),
    ("communities", "governance_community"),
    ("neighbourhoods", "governance_neighbourhood"),
    ("buildings", "governance_building"),
    ("stairwells", "governance_stairwell"),
    ("households", "residents_household"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default="renovation_bench_seed", help="the bench database (dropped and re-created)"
    )
    parser.add_argument("--scale", default="district", help="seed_demo scale (default: district)")
    parser.add_argument("--seed", type=int, default=2001)
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    return parser.parse_args()


def plain_copy(url):
    """Seconds to COPY the seeded households into a table like theirs (see the docstring)."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                "WHERE attrelid = 'residents_household'::regclass AND attnum > 0 AND NOT attisdropped "
                "AND attname <> 'id'"
            )
            columns = cur.fetchone()[0]
            data = io.StringIO()
            cur.copy_expert(f"COPY (SELECT {columns} FROM residents_household ORDER BY id) TO STDOUT", data)
            data.seek(0)
            cur.execute("DROP TABLE IF EXISTS bench_copy_household")
            cur.execute("CREATE TABLE bench_copy_household (LIKE residents_household INCLUDING ALL)")
            cur.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'residents_household'::regclass AND contype = 'f'"
            )
            for (definition,) in cur.fetchall():
                cur.execute(f"ALTER TABLE bench_copy_household ADD {definition}")
        conn.commit()
        started = time.monotonic()
        with conn.cursor() as cur:
            cur.copy_expert(f"COPY bench_copy_household ({columns}) FROM STDIN", data)
        conn.commit()  # the deferred foreign-key checks run here
        seconds = time.monotonic() - started
        with conn.cursor() as cur:
            cur.execute("DROP TABLE bench_copy_household")
        conn.commit()
    finally:
        conn.close()
    return seconds


def count_rows(url):
    """The rows of each of TABLES in the database at `url`, and the database's size."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            counts = {}
            for label, table in TABLES:
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[label] = cur.fetchone()[0]
            cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return counts, cur.fetchone()[0]
    finally:
        conn.close()


def main():
    args = parse_args()
    bench_url = bench_database_url("bench_seed", args.database)

    print(f"bench_seed: re-creating database {args.database}", flush=True)
    recreate(maintenance_url(), args.database)
    env = django_env(DATABASE_URL=bench_url)
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v", "0")
    print(f"bench_seed: migrated in {time.monotonic() - started:.1f} s", flush=True)

    started = time.monotonic()
    manage(env, "seed_demo", "--scale", args.scale, "--seed", str(args.seed))
    seconds = time.monotonic() - started

    counts, size = count_rows(bench_url)
    print("bench_seed: " + ", ".join(f"{label} {n:,}" for label, n in counts.items()) + f"; database {size}")
    print(f"seed_demo --scale {args.scale}: {counts['households']:,} households in {seconds:.1f} s")
    copy_seconds = plain_copy(bench_url)
    print(
        f"plain COPY of the same {counts['households']:,} households: {copy_seconds:.1f} s; "
        f"seed / COPY = {seconds / copy_seconds:.1f}x"
    )

    if args.drop:
        recreate(maintenance_url(), args.database, create=False)
        print(f"bench_seed: dropped {args.database}")
    else:
        print(f"bench_seed: kept {args.database} ({bench_url})")


if __name__ == "__main__":
    main()
