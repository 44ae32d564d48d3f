#!/usr/bin/env python
"""Benchmark of the officials' dashboards: each page's server time and query count, beside the same
figures computed by one hand-written SQL statement per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/renovation_bench_seed \
        .venv/bin/python bench/bench_dashboards.py [--runs 5]

On a database seeded by `seed_demo` (`--scale district` or `--scale city`; bench/bench_seed.py
keeps one), it signs in the demo officials (the city official `city` for the city page, the
district official `district` for the pages of 甜城区 and below) and requests each page through
Django's test Client, as the server would run it (middleware, scoping, templates): the overview of
the city, the district, its first street, community and neighbourhood (桂湖社区's first, the demo
story's) and the first project of that neighbourhood; and the dashboards API (/api/v1/dashboards/, the city's,
and the district's), whose JSON carries the same figures and the works done. For each it takes the median of --runs
requests (the first one included: the pages cache nothing) and the queries of the first, then runs the page's figures as one
SQL statement written by hand (bench/dashboards_sql.py, by the definitions in dashboards/figures/) --runs
times, and prints a table:

    page                         page ms  queries   SQL ms  ratio  same figures
    city overview (city)          1234.5       12    456.7   2.7x  yes

"same figures" compares the page's headline figures (the eligible, planned, started and completed
households, the budget and the disbursed, the map's neighbourhoods by stage) with the SQL's: a baseline that computed something else
would not count. Goals (issue 10): every page within 2x of its SQL at district scale, and under
1 s at city scale. A statement running past --timeout seconds is cancelled and its page reported
as over. Refuses SQLite: the figures that matter are PostgreSQL's.
"""

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from common import BENCH_SECRET_KEY  # bench/ is first on the path (see common.py)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboards import figures as f  # noqa: E402
from dashboards_sql import overview_sql, tab_sql  # noqa: E402
from governance.demo import DISTRICT_NAME, FIRST_COMMUNITY, FIRST_STREET  # noqa: E402
from governance.models import Community, District, Neighbourhood, Street  # noqa: E402
from projects.models import Project  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="requests per page (median, the first one included)")
    parser.add_argument(
        "--timeout", type=int, default=300, help="seconds after which a statement is cancelled (the page is reported as over)"
    )
    return parser.parse_args()


def sql_headline(rows, year):
    """The headline figures from the SQL's rows (summed over the child units)."""
    found = {"budget": Decimal(0), "disbursed": Decimal(0)}
    for kind, key, row_year, group, n, _buildings, households, amount in rows:
        if kind == "group" and (group == "eligible" or row_year == year):
            found[group] = found.get(group, 0) + households
        elif kind == "money" and key in found:
            found[key] = amount
        elif kind == "map":
            found[f"map:{key}"] = found.get(f"map:{key}", 0) + 1
    return found


def page_headline(figures):
    groups = figures["groups"]
    found = {g: groups[g]["households"] for g in f.GROUPS if groups[g]["households"]}
    found["budget"] = figures["investment"]["budget"]
    found["disbursed"] = figures["investment"]["disbursed"]
    return found


def map_headline(context):
    """The map's neighbourhoods by stage (located or not), when the page has a map."""
    found = {}
    map_figures = context.get("map") and context["map"]["figures"]
    if map_figures:
        for point in [*map_figures["points"], *map_figures["missing"]]:
            found[f"map:{point.stage}"] = found.get(f"map:{point.stage}", 0) + 1
    return found


def median_ms(func, runs, times=None):
    times = list(times or [])
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def pages():
    """(name, user, url, unit) of each page measured."""
    district = District.objects.get(name=DISTRICT_NAME)
    street = Street.objects.get(district=district, name=FIRST_STREET)
    community = Community.objects.get(street=street, name=FIRST_COMMUNITY)
    hood = Neighbourhood.objects.filter(community=community, projects__isnull=False).order_by("pk").first()
    project = Project.objects.filter(neighbourhoods=hood).order_by("pk").first()

    def unit_url(level, obj):
        return reverse("dashboards:unit", args=[level, obj.pk])

    api = f"/api/v1/dashboards/{f.DISTRICT}/{district.pk}/"
    return [
        ("city overview", "city", reverse("dashboards:index"), f.Unit(f.CITY)),
        ("city API (/api/v1/dashboards/)", "city", "/api/v1/dashboards/", f.Unit(f.CITY)),
        ("district API", "district", api, f.Unit(f.DISTRICT, district)),
        (f"district overview ({district.name})", "district", unit_url(f.DISTRICT, district), f.Unit(f.DISTRICT, district)),
        (f"street overview ({street.name})", "district", unit_url(f.STREET, street), f.Unit(f.STREET, street)),
        (f"community overview ({community.name})", "district", unit_url(f.COMMUNITY, community),
         f.Unit(f.COMMUNITY, community)),
        ("neighbourhood overview", "district", unit_url(f.NEIGHBOURHOOD, hood), f.Unit(f.NEIGHBOURHOOD, hood)),
        ("project overview", "district", unit_url(f.PROJECT, project), f.Unit(f.PROJECT, project)),
    ]


CONSULTATION_TOTALS = (
    "households", "list_households", "submitted", "questionnaires", "responses", "q_households",
    "votes", "ballots", "flats", "collected", "adopted", "not_adopted", "explained",
)


def consultation_page_headline(figures):
    """The consultation page's headline figures: the participation totals, the votes passed and
    failed, the top items' households, what waits by kind."""
    found = {name: figures["total"][name] for name in CONSULTATION_TOTALS}
    found["passed"] = sum(v["passed"] for v in figures["votes"])
    found["failed"] = sum(v["failed"] for v in figures["votes"])
    found["top items"] = [item.households for item in figures["top_items"]]
    found.update({f"waiting:{kind}": n for kind, n in figures["waiting"]["counts"].items()})
    return found


def consultation_sql_headline(rows):
    found = dict.fromkeys(CONSULTATION_TOTALS, 0)
    found.update(passed=0, failed=0)
    items = []
    for kind, key, *numbers in rows:
        if kind == "row":
            for name, value in zip(CONSULTATION_TOTALS, numbers):
                found[name] += value
        elif kind == "matter":
            found["passed"] += numbers[1]
            found["failed"] += numbers[2]
        elif kind == "item":
            items.append(numbers[0])
        elif kind == "waiting":
            found[f"waiting:{key}"] = numbers[0]
    found["top items"] = sorted(items, reverse=True)[: f.TOP_ITEMS]
    return found


def money_page_headline(figures):
    """The money page's headline figures: committed in all, the projects with a gap and their gaps,
    the neighbourhoods by management mode and unmanaged, the assessment bands, the subsidies due,
    paid and withheld."""
    total = figures["coverage_total"]
    subsidy = figures["subsidies"]
    return {
        "committed": sum(figures["funding"].values(), Decimal(0)),
        "gap projects": figures["gaps"]["projects"],
        "gap": figures["gaps"]["gap"],
        "neighbourhoods": total["neighbourhoods"],
        **{f"mode:{mode}": total[mode] for mode in ("professional", "self_managed", "fallback")},
        "unmanaged": total["unmanaged"],
        "bands": dict(figures["bands"]),
        "subsidies due": sum((r["due"] for r in subsidy), Decimal(0)),
        "subsidies paid": sum((r["paid"] for r in subsidy), Decimal(0)),
        "subsidies withheld": sum((r["withheld"] for r in subsidy), Decimal(0)),
    }


def money_sql_headline(rows):
    found = {
        "committed": Decimal(0), "gap projects": 0, "gap": Decimal(0), "neighbourhoods": 0,
        "mode:professional": 0, "mode:self_managed": 0, "mode:fallback": 0, "unmanaged": 0, "bands": {},
        "subsidies due": Decimal(0), "subsidies paid": Decimal(0), "subsidies withheld": Decimal(0),
    }
    for kind, key, year, amount, paid, withheld in rows:
        if kind == "funding":
            found["committed"] += amount
        elif kind == "gap":
            found["gap projects"] += 1
            found["gap"] += amount
        elif kind == "coverage":
            found["neighbourhoods"] += amount
            found["unmanaged" if key == "unmanaged" else f"mode:{key}"] += amount
        elif kind == "band":
            found["bands"][(year, int(key))] = amount
        elif kind == "subsidy":
            found["subsidies due"] += amount
            found["subsidies paid"] += paid
            found["subsidies withheld"] += withheld
    return found


TAB_HEADLINES = {
    "consultation": (consultation_page_headline, consultation_sql_headline),
    "money": (money_page_headline, money_sql_headline),
}


def tab_pages():
    """(name, user, url, unit, page) of each consultation and money page measured: the city, the
    district, its first street, community and neighbourhood (as the overview's), and a project."""
    district = District.objects.get(name=DISTRICT_NAME)
    street = Street.objects.get(district=district, name=FIRST_STREET)
    community = Community.objects.get(street=street, name=FIRST_COMMUNITY)
    hood = Neighbourhood.objects.filter(community=community, projects__isnull=False).order_by("pk").first()
    project = Project.objects.filter(neighbourhoods=hood).order_by("pk").first()
    found = []
    for page in TAB_HEADLINES:
        found.append((f"city {page}", "city", reverse("dashboards:page_top", args=[page]), f.Unit(f.CITY), page))
        for level, obj, name in (
            (f.DISTRICT, district, district.name),
            (f.STREET, street, street.name),
            (f.COMMUNITY, community, community.name),
            (f.NEIGHBOURHOOD, hood, ""),
            (f.PROJECT, project, ""),
        ):
            label = f"{level} {page}" + (f" ({name})" if name else "")
            url = reverse("dashboards:page", args=[level, obj.pk, page])
            found.append((label, "district", url, f.Unit(level, obj), page))
    return found


def signed_in(users, username):
    """A test Client signed in as the demo official `username`."""
    client = Client()
    client.force_login(users[username])
    return client


def time_page(client, url, runs):
    """The page's first response, its query count and the median server time (ms) of `runs`
    requests, the first one included: the first run's queries are the ones counted."""
    connection.queries_log.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    first_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return response, len(queries), median_ms(lambda: client.get(url), runs - 1, [first_ms])


def time_sql(cursor, sql, params, runs):
    """The statement's rows and the median time (ms) of `runs` executions, the first included."""
    started = time.perf_counter()
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    first_sql_ms = (time.perf_counter() - started) * 1000

    def run_sql():
        cursor.execute(sql, params)
        cursor.fetchall()

    return rows, median_ms(run_sql, runs - 1, [first_sql_ms])


def print_over(label, timeout):
    """The row of a page whose statement ran past --timeout."""
    print(f"{label[:44]:44} {'>' + str(timeout * 1000):>9}  (a statement ran past --timeout, cancelled)", flush=True)


def print_row(label, page_ms, queries, sql_ms, same):
    """A page's row of the table."""
    print(
        f"{label[:44]:44} {page_ms:9.1f} {queries:8d} {sql_ms:9.1f} {page_ms / sql_ms:6.1f}x  {same}",
        flush=True,
    )


def bench_overviews(args, users, today):
    """Measure the overview pages and the API, one row each: the page, then its SQL."""
    for name, username, url, unit in pages():
        label = f"{name} ({username})"
        client = signed_in(users, username)
        try:
            response, queries, page_ms = time_page(client, url, args.runs)
        except OperationalError:
            print_over(label, args.timeout)
            continue
        default = f.Period(year=today.year, month=today.replace(day=1))  # the API's default period
        period = response.context["period"] if response.context else default
        sql, params = overview_sql(unit, period)
        with connection.cursor() as cursor:
            rows, sql_ms = time_sql(cursor, sql, params, args.runs)
        if response.context:
            page_found = {**page_headline(response.context["figures"]), **map_headline(response.context)}
            same = "yes" if sql_headline(rows, period.year) == page_found else "NO"
        else:
            page_found, same = None, "n/a (JSON)"
        print_row(label, page_ms, queries, sql_ms, same)
        if same == "NO":
            print(f"    page {page_found}\n    SQL  {sql_headline(rows, period.year)}")


def bench_tabs(args, users):
    """Measure the consultation and money pages as bench_overviews does the overview's, one row each."""
    for name, username, url, unit, page in tab_pages():
        label = f"{name} ({username})"
        client = signed_in(users, username)
        try:
            response, queries, page_ms = time_page(client, url, args.runs)
            period = response.context["period"]
            sql, params = tab_sql(page, unit, period)
            with connection.cursor() as cursor:
                # The statement runs without JIT: compiling it (seconds, on the estimates of a
                # database never analysed) is no cost of the SQL a baseline stands for.
                cursor.execute("SET jit = off")
                try:
                    rows, sql_ms = time_sql(cursor, sql, params, args.runs)
                finally:
                    cursor.execute("RESET jit")
        except OperationalError:
            print_over(label, args.timeout)
            continue
        page_headline_of, sql_headline_of = TAB_HEADLINES[page]
        page_found, sql_found = page_headline_of(response.context["figures"]), sql_headline_of(rows)
        same = "yes" if page_found == sql_found else "NO"
        print_row(label, page_ms, queries, sql_ms, same)
        if same == "NO":
            print(f"    page {page_found}\n    SQL  {sql_found}")


def main():
    args = parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_dashboards: DATABASE_URL must name a seeded PostgreSQL database")
    setup_test_environment()  # the test Client keeps each response's template context
    # Static URLs without collectstatic's manifest (DEBUG stays off: it would keep every query).
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    override_settings(STORAGES=storages).enable()
    from residents.models import Household

    print(
        f"bench_dashboards: {connection.settings_dict['NAME']}: {District.objects.count()} districts, "
        f"{Neighbourhood.objects.count():,} neighbourhoods, {Household.objects.count():,} households; "
        f"median of {args.runs} runs",
        flush=True,
    )
    today = timezone.localdate()
    header = f"{'page':44} {'page ms':>9} {'queries':>8} {'SQL ms':>9} {'ratio':>7}  same figures"
    print(header)
    print("-" * len(header))
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["city", "district"])}
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = %s", [args.timeout * 1000])
    bench_overviews(args, users, today)
    bench_tabs(args, users)
    print(f"(as of {today}; queries: one request's, session and user included; SQL: one statement)")


if __name__ == "__main__":
    main()
