"""Benchmark: the demand-list aggregate of a project at district scale, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/renovation_bench_seed \
        .venv/bin/python bench/bench_demand_aggregate.py [--neighbourhoods 200] [--share 0.6] [--runs 7]

DATABASE_URL names a database made by bench/bench_seed.py (seed_demo --scale district, about
400,000 households; its name must contain "bench"). The script makes one bench project over the
first N neighbourhoods, opens their demand lists and writes a demand submission for `share` of
their households (in bulk: multi-row INSERTs, 1–6 menu items each, drawn with a fixed seed),
vacuums and analyses the tables read (the state autovacuum reaches by itself after a bulk load),
then times, as the median of several runs after one warm-up:

- the selector demand_aggregate(project) — the ranking for the whole project;
- the selector demand_aggregate_by_neighbourhood(project);
- the API response GET /api/v1/demand-lists/<id>/aggregate/?scope=project, rendered to JSON
  through the test client by a superuser.

Target: under 300 ms for the project's aggregate. Running it again first removes the previous
bench project (and its submissions).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import BENCH_SECRET_KEY, is_postgres

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_CODE = "BENCH-DEMAND"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neighbourhoods", type=int, default=200)
    parser.add_argument("--share", type=float, default=0.6, help="share of households that submit")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2001)
    parser.add_argument(
        "--no-vacuum", action="store_true", help="time right after the bulk load, before any vacuum"
    )
    return parser.parse_args()


def setup_django():
    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres(url) or "bench" not in urlsplit(url).path:
        sys.exit(
            "bench_demand_aggregate: DATABASE_URL must name a PostgreSQL bench database (see bench_seed.py)"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def timed(function, runs):
    function()  # warm-up: connection, caches, plans
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def remove_previous_project():
    """The bench project of an earlier run, with its demand lists and their submissions."""
    from django.db import transaction

    from projects.models import Project
    from surveys.models import DemandList, DemandSubmission

    old = Project.objects.filter(code=BENCH_CODE).first()
    if old is not None:
        with transaction.atomic():
            DemandSubmission.objects.filter(demand_list__project=old).delete()
            DemandList.objects.filter(project=old).delete()
            old.delete()


def first_neighbourhoods(count):
    from governance.models import Neighbourhood

    neighbourhoods = list(Neighbourhood.objects.order_by("pk")[:count])
    if len(neighbourhoods) < count:
        found = len(neighbourhoods)
        sys.exit(f"bench_demand_aggregate: only {found} neighbourhoods; seed the district scale first")
    return neighbourhoods


def weighted_items():
    """The city catalogue's active items and their weights: popular items weigh more, so the
    ranking has a shape."""
    from projects.models import CatalogueItem

    items = list(
        CatalogueItem.objects.filter(district__isnull=True, active=True).values_list("pk", flat=True)
    )
    weights = [1 + (len(items) - i) ** 1.5 for i in range(len(items))]
    return items, weights


def create_project(neighbourhoods):
    """The bench project over `neighbourhoods` and {neighbourhood id: its demand list}."""
    from decimal import Decimal

    from projects.models import Project
    from surveys.models import DemandList

    project = Project.objects.create(
        code=BENCH_CODE,
        name="需求汇总基准项目",
        year=2026,
        lead_street=neighbourhoods[0].community.street,
        budget=Decimal("0"),
    )
    project.neighbourhoods.set(neighbourhoods)
    lists = {n.pk: DemandList.objects.create(project=project, neighbourhood=n) for n in neighbourhoods}
    return project, lists


def submit_demands(rng, lists, chosen, items, weights):
    """A submission for each (household id, neighbourhood id) in `chosen` and its 1–6 of the menu
    `items` (drawn by `weights`), in bulk. Returns the submissions and the item rows."""
    from django.utils import timezone

    from surveys.choices import SubmissionChannel
    from surveys.models import DemandSubmission
    from surveys.services import _receipt

    now = timezone.now()
    submissions = DemandSubmission.objects.bulk_create(
        (
            DemandSubmission(
                demand_list=lists[nid],
                household_id=hid,
                channel=SubmissionChannel.ONLINE,
                submitted_at=now,
                receipt=_receipt(),
            )
            for hid, nid in chosen
        ),
        batch_size=5000,
    )
    through = DemandSubmission.items.through
    rows = []
    for submission in submissions:
        picked = set(rng.choices(items, weights=weights, k=rng.randint(1, 6)))
        rows.extend(through(demandsubmission_id=submission.pk, catalogueitem_id=pk) for pk in picked)
    through.objects.bulk_create(rows, batch_size=10000)
    return submissions, rows


def vacuum():
    """The steady state autovacuum reaches on its own, minutes after a bulk load: statistics and
    visibility maps fresh (so a count over the households' neighbourhood index is index-only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "residents_household",
            "surveys_demandsubmission",
            "surveys_demandsubmission_items",
            "surveys_demandlist",
            "projects_project_neighbourhoods",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def build(args):
    """The bench project, its demand lists and submissions (see the docstring); returns the project
    and one of its demand lists."""
    from django.db import transaction

    from residents.models import Household

    rng = random.Random(args.seed)
    remove_previous_project()
    neighbourhoods = first_neighbourhoods(args.neighbourhoods)
    items, weights = weighted_items()
    started = time.monotonic()
    with transaction.atomic():
        project, lists = create_project(neighbourhoods)
        households = list(
            Household.objects.filter(neighbourhood__in=neighbourhoods).values_list("pk", "neighbourhood_id")
        )
        chosen = rng.sample(households, round(len(households) * args.share))
        submissions, rows = submit_demands(rng, lists, chosen, items, weights)
    print(
        f"bench_demand_aggregate: {len(neighbourhoods)} neighbourhoods, {len(households):,} households, "
        f"{len(submissions):,} submissions with {len(rows):,} items "
        f"written in {time.monotonic() - started:.1f} s",
        flush=True,
    )
    if not args.no_vacuum:
        vacuum()
    return project, next(iter(lists.values()))


def main():
    args = parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from surveys.selectors import demand_aggregate, demand_aggregate_by_neighbourhood

    project, demand_list = build(args)
    result = demand_aggregate(project)
    print(
        f"bench_demand_aggregate: {result.respondents:,} of {result.households:,} households responded; "
        "top 3: " + "; ".join(f"{r.name} {r.households:,} ({r.share}%)" for r in result.rows[:3])
    )

    median, low, high = timed(lambda: demand_aggregate(project), args.runs)
    print(
        f"demand_aggregate(project): median {median:.1f} ms (min {low:.1f}, max {high:.1f}), {args.runs} runs"
    )
    median2, low2, high2 = timed(lambda: demand_aggregate_by_neighbourhood(project), args.runs)
    print(f"by_neighbourhood(project): median {median2:.1f} ms (min {low2:.1f}, max {high2:.1f})")

    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    client = Client()
    client.force_login(admin)
    url = f"/api/v1/demand-lists/{demand_list.pk}/aggregate/?scope=project"

    def api():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.content

    median3, low3, high3 = timed(api, args.runs)
    print(f"GET {url}: median {median3:.1f} ms (min {low3:.1f}, max {high3:.1f})")
    verdict = "under" if median3 < 300 and median < 300 else "OVER"
    print(f"bench_demand_aggregate: project aggregate {verdict} the 300 ms target")


if __name__ == "__main__":
    main()
