"""Benchmark: one daily subsidy run over 1,000 and 10,000 plans at district scale, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/renovation .venv/bin/python bench/bench_subsidies.py \
        [--database renovation_bench_subsidies] [--scale district] [--plans 1000,10000] [--reuse] [--drop]

On the server named by DATABASE_URL it drops and re-creates a dedicated database (its name must
contain "bench"), migrates it and loads `seed_demo --scale <scale>` (with --reuse, an existing
seeded bench database is kept). Then, for each plan count: it clears the subsidy tables, gives
every neighbourhood a current arrangement and its assessments (8 in 10 score 90, 1 in 10 scores 75,
1 in 10 is not assessed), creates the plans in bulk (3 years from 2024-01-01, their whole
schedule), and times `subsidies_run(today=2025-01-01)` — the path of `manage.py run_subsidies`,
paying in the run — counting its queries (CaptureQueriesContext). A second run the same day (which
finds nothing to do) is counted too.

The claim it checks: the number of queries grows only by a constant per batch of 500 rows
(batches = ceil(installments / 500) for deciding and again for paying), not with the number of
plans; the output prints the counts and the per-batch constant.

Measured (2026-11-23, PostgreSQL 15 on the 2-core development machine shared with other jobs,
district scale: 1,500 neighbourhoods, seeded in 141 s; one installment due per plan, 9 in 10 paid):

       plans  seconds  queries  batches  2nd run
       1,000     0.50       38        4       16
      10,000     5.92      224       38       16
    queries = 16 + 5.5 × batches (batch = 500 installments)

Deciding a batch first used bulk_update: its CASE expressions took ~1.5 s of Python per 500 rows
(10,000 plans: 18.8 s in all); one UPDATE … FROM (VALUES …) brought the run to 5.9 s.
"""

import argparse
import datetime
import math
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import bench_database_url, connect, django_env, maintenance_url, manage, recreate  # noqa: E402

RUN_DAY = datetime.date(2025, 1, 1)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="renovation_bench_subsidies")
    parser.add_argument("--scale", default="district")
    parser.add_argument("--plans", default="1000,10000", help="comma-separated plan counts")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded bench database")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    return parser.parse_args()


def seeded(url):
    try:
        conn = connect(url)
    except Exception:  # noqa: BLE001 - no such database yet
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('governance_neighbourhood') IS NOT NULL")
            if not cur.fetchone()[0]:
                return False
            cur.execute("SELECT count(*) FROM governance_neighbourhood")
            return cur.fetchone()[0] > 0
    finally:
        conn.close()


def prepare(plan_count):
    """Clear the subsidy tables; arrangements and assessments for every neighbourhood; the plans."""
    from django.db import connection, transaction

    from funding.demo import _bulk_providers
    from governance.models import Neighbourhood

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE funding_subsidypayment, funding_subsidyinstallment, funding_subsidypayer, "
            "funding_subsidyplan, governance_assessment, governance_managementarrangement CASCADE"
        )
    neighbourhood_ids = list(Neighbourhood.objects.order_by("pk").values_list("pk", flat=True))
    provider = _bulk_providers(neighbourhood_ids)
    with transaction.atomic():
        arrangements = create_arrangements(neighbourhood_ids, provider)
        create_assessments(arrangements)
        create_plans(arrangements, plan_count)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def create_arrangements(neighbourhood_ids, provider):
    """A current professional arrangement for each neighbourhood, by provider[neighbourhood id]."""
    from governance.models import ManagementArrangement, ManagementMode

    return ManagementArrangement.objects.bulk_create(
        [
            ManagementArrangement(
                neighbourhood_id=n,
                mode=ManagementMode.PROFESSIONAL,
                provider=provider[n],
                started_on=datetime.date(2024, 1, 1),
                fee_per_m2_month=Decimal("0.60"),
            )
            for n in neighbourhood_ids
        ]
    )


def create_assessments(arrangements):
    """The 2024 assessments: 8 arrangements in 10 score 90, 1 in 10 scores 75, 1 in 10 has none."""
    from django.utils import timezone

    from governance.models import Assessment

    now = timezone.now()
    assessments = []
    for i, a in enumerate(arrangements):
        if i % 10 == 9:
            continue  # not assessed: withheld
        assessments.append(
            Assessment(
                arrangement=a,
                year=2024,
                score=Decimal("75" if i % 10 == 8 else "90"),
                assessor="考核组",
                assessed_at=now,
            )
        )
    Assessment.objects.bulk_create(assessments, batch_size=5000)


def create_plans(arrangements, plan_count):
    """`plan_count` plans over the arrangements in turn, with their two payers and their schedule."""
    from funding.models import SubsidyInstallment, SubsidyPayer, SubsidyPlan
    from funding.services import build_installments

    plans = SubsidyPlan.objects.bulk_create(
        [
            SubsidyPlan(
                neighbourhood_id=arrangements[i % len(arrangements)].neighbourhood_id,
                arrangement=arrangements[i % len(arrangements)],
                area=Decimal("3000.00") + i % 97,
                start_on=datetime.date(2024, 1, 1),
                rates=["1.20", "0.80", "0.40"],
                score_bands=[],
                ends_on=datetime.date(2027, 1, 1),
            )
            for i in range(plan_count)
        ],
        batch_size=5000,
    )
    SubsidyPayer.objects.bulk_create(
        [
            SubsidyPayer(plan=p, order=order, payer_name=name, share=share)
            for p in plans
            for order, (name, share) in enumerate(
                [("区财政局", Decimal("75")), ("市财政局", Decimal("25"))], start=1
            )
        ],
        batch_size=5000,
    )
    SubsidyInstallment.objects.bulk_create(
        [row for p in plans for row in build_installments(p)], batch_size=5000
    )


def measure(plan_count):
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test.utils import CaptureQueriesContext

    from funding.models import SubsidyInstallment, SubsidyPayment
    from funding.services import BATCH_SIZE, subsidies_run

    started = time.monotonic()
    prepare(plan_count)
    print(f"bench_subsidies: {plan_count:,} plans prepared in {time.monotonic() - started:.1f} s", flush=True)
    with CaptureQueriesContext(connection) as ctx:
        started = time.monotonic()
        summary = subsidies_run(today=RUN_DAY)
        seconds = time.monotonic() - started
    with CaptureQueriesContext(connection) as again:
        subsidies_run(today=RUN_DAY)
    paid = SubsidyInstallment.objects.filter(status="paid").aggregate(n=Count("id"), total=Sum("amount"))
    lines = SubsidyPayment.objects.aggregate(total=Sum("amount"))["total"]
    assert paid["total"] == lines, (paid, lines)  # the payer lines sum to the installments
    decided = summary["released"] + summary["withheld"]
    batches = math.ceil(decided / BATCH_SIZE) + math.ceil(summary["paid"] / BATCH_SIZE)
    return {
        "plans": plan_count,
        "seconds": seconds,
        "queries": len(ctx.captured_queries),
        "batches": batches,
        "again": len(again.captured_queries),
        "summary": summary,
        "paid_total": paid["total"],
    }


def ensure_seeded(args, bench_url, env):
    """The bench database, migrated; re-created and seeded unless --reuse finds it seeded."""
    if not (args.reuse and seeded(bench_url)):
        print(f"bench_subsidies: re-creating {args.database} and seeding --scale {args.scale}", flush=True)
        recreate(maintenance_url(), args.database)
        manage(env, "migrate", "--noinput", "-v", "0")
        started = time.monotonic()
        manage(env, "seed_demo", "--scale", args.scale)
        print(f"bench_subsidies: seeded in {time.monotonic() - started:.1f} s", flush=True)
    else:
        manage(env, "migrate", "--noinput", "-v", "0")


def print_results(results):
    """The table of the runs and, from the first and last, the queries' fixed and per-batch parts."""
    print()
    print(f"{'plans':>8} {'seconds':>8} {'queries':>8} {'batches':>8} {'2nd run':>8}  summary")
    for r in results:
        s = r["summary"]
        print(
            f"{r['plans']:>8,} {r['seconds']:>8.2f} {r['queries']:>8} {r['batches']:>8} {r['again']:>8}  "
            f"due {s['due']:,}, released {s['released']:,}, withheld {s['withheld']:,}, paid {s['paid']:,} "
            f"({r['paid_total']:,} 元)"
        )
    if len(results) >= 2:
        a, b = results[0], results[-1]
        per_batch = (b["queries"] - a["queries"]) / max(b["batches"] - a["batches"], 1)
        fixed = a["queries"] - per_batch * a["batches"]
        print(f"queries = {fixed:.0f} + {per_batch:.1f} × batches (batch = 500 installments)")


def main():
    args = parse_args()
    bench_url = bench_database_url("bench_subsidies", args.database)
    env = django_env(DATABASE_URL=bench_url)
    env.pop("REDIS_URL", None)  # the run pays in-process, as `manage.py run_subsidies` does
    ensure_seeded(args, bench_url, env)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from governance.models import Neighbourhood

    print(f"bench_subsidies: {Neighbourhood.objects.count():,} neighbourhoods in {args.database}", flush=True)
    results = [measure(int(n)) for n in args.plans.split(",")]
    print_results(results)
    if args.drop:
        from django.db import connections

        connections.close_all()
        recreate(maintenance_url(), args.database, create=False)


if __name__ == "__main__":
    main()
