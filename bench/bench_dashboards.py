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
SQL statement written by hand (the same definitions: dashboards/figures.py's docstring) --runs
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
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
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
from dashboards.figures.map import MAP_LEVELS  # noqa: E402
from governance.demo import DISTRICT_NAME, FIRST_COMMUNITY, FIRST_STREET  # noqa: E402
from governance.models import Community, District, Neighbourhood, Street  # noqa: E402
from projects.models import Project  # noqa: E402

# How each level's unit filters the neighbourhoods, and which unit below it the figures group by.
UNIT_FILTER = {
    f.CITY: "TRUE",
    f.DISTRICT: "d.id = %(unit)s",
    f.STREET: "s.id = %(unit)s",
    f.COMMUNITY: "c.id = %(unit)s",
    f.NEIGHBOURHOOD: "n.id = %(unit)s",
    f.PROJECT: "n.id IN (SELECT neighbourhood_id FROM projects_project_neighbourhoods WHERE project_id = %(unit)s)",
}
CHILD = {f.CITY: "d.id", f.DISTRICT: "s.id", f.STREET: "c.id", f.COMMUNITY: "n.id"}

# The unit's neighbourhoods, with their district, street and community (the hood CTE's FROM).
HOOD_FROM = """
    FROM governance_neighbourhood n
    JOIN governance_community c ON c.id = n.community_id
    JOIN governance_street s ON s.id = c.street_id
    JOIN governance_district d ON d.id = s.district_id
    WHERE {unit_filter}
"""

OVERVIEW_SQL = """
WITH hood AS (
    SELECT n.id, {child} AS child,
           (n.built_year < EXTRACT(YEAR FROM d.eligibility_cutoff) OR n.admission_reason <> '') AS eligible""" + HOOD_FROM + """), plan AS (
    SELECT p.id, p.year, p.budget, p.started_on, p.completed_on, p.created_at
    FROM projects_project p
    WHERE p.year BETWEEN %(first_year)s AND %(year)s AND p.created_at < %(end)s
      AND NOT EXISTS (SELECT 1 FROM projects_projecttransition t
                      WHERE t.project_id = p.id AND t.to_stage = 'cancelled' AND t.at < %(end)s)
), hood_year AS (
    SELECT pn.neighbourhood_id AS id, pl.year,
           bool_or(pl.started_on <= %(as_of)s) AS started, bool_or(pl.completed_on <= %(as_of)s) AS completed
    FROM projects_project_neighbourhoods pn JOIN plan pl ON pl.id = pn.project_id
    WHERE pn.neighbourhood_id IN (SELECT id FROM hood)
    GROUP BY 1, 2
), per_hood AS (
    SELECT hood.id, hood.child, hood.eligible,
           (SELECT count(*) FROM governance_building b WHERE b.neighbourhood_id = hood.id) AS buildings,
           hh.households, hh.area
    FROM hood
    CROSS JOIN LATERAL (SELECT count(*) AS households, coalesce(sum(h.floor_area), 0) AS area
                        FROM residents_household h WHERE h.neighbourhood_id = hood.id) hh
), groups AS (
    SELECT child, NULL::int AS year, 'eligible' AS grp, count(*) AS n, sum(buildings) AS buildings,
           sum(households) AS households, sum(area) AS area
    FROM per_hood WHERE eligible GROUP BY child
    UNION ALL
    SELECT ph.child, hy.year, g.grp, count(*), sum(ph.buildings), sum(ph.households), sum(ph.area)
    FROM per_hood ph JOIN hood_year hy ON hy.id = ph.id
    CROSS JOIN LATERAL (VALUES ('planned', TRUE), ('started', hy.started), ('completed', hy.completed)) g (grp, ok)
    WHERE g.ok GROUP BY 1, 2, 3
), unit_projects AS (
    SELECT pl.* FROM plan pl
    WHERE pl.year = %(year)s AND pl.id IN (
        SELECT project_id FROM projects_project_neighbourhoods WHERE neighbourhood_id IN (SELECT id FROM hood))
), live AS (
    SELECT c.id, c.project_id, c.amount, fs.kind
    FROM funding_commitment c JOIN funding_fundingsource fs ON fs.id = c.source_id
    WHERE c.project_id IN (SELECT id FROM unit_projects) AND c.committed_on <= %(as_of)s
      AND NOT EXISTS (SELECT 1 FROM funding_commitmentreversal r WHERE r.commitment_id = c.id AND r.created_at < %(end)s)
), money AS (
    SELECT 'kind:' || kind AS key, sum(amount) AS amount FROM live GROUP BY kind
    UNION ALL SELECT 'budget', coalesce(sum(budget), 0) FROM unit_projects
    UNION ALL SELECT 'gap', coalesce(sum(GREATEST(up.budget - coalesce(cv.total, 0), 0)), 0)
        FROM unit_projects up LEFT JOIN (SELECT project_id, sum(amount) AS total FROM live GROUP BY 1) cv
        ON cv.project_id = up.id
    UNION ALL SELECT 'disbursed', coalesce(sum(ds.amount), 0) FROM funding_disbursement ds
        WHERE ds.commitment_id IN (SELECT id FROM live) AND ds.paid_on <= %(as_of)s
          AND NOT EXISTS (SELECT 1 FROM funding_disbursementreversal r
                          WHERE r.disbursement_id = ds.id AND r.created_at < %(end)s)
), funnel AS (
    SELECT coalesce(lm.to_stage, 'candidate') AS stage, count(*) AS n,
           round(avg(%(as_of)s - (coalesce(lm.at, up.created_at) AT TIME ZONE %(tz)s)::date)) AS average_days,
           max(%(as_of)s - (coalesce(lm.at, up.created_at) AT TIME ZONE %(tz)s)::date) AS longest_days
    FROM unit_projects up
    LEFT JOIN LATERAL (SELECT t.to_stage, t.at FROM projects_projecttransition t
                       WHERE t.project_id = up.id AND t.at < %(end)s ORDER BY t.at DESC, t.id DESC LIMIT 1) lm ON TRUE
    GROUP BY 1
), map AS (
    SELECT n.id, n.name, n.latitude, n.longitude, lp.id AS project, lp.code,
           CASE WHEN lp.id IS NULL THEN 'none' ELSE coalesce(lm.to_stage, 'candidate') END AS stage
    FROM governance_neighbourhood n
    LEFT JOIN LATERAL (
        SELECT p.id, p.code FROM projects_project p
        JOIN projects_project_neighbourhoods pn ON pn.project_id = p.id
        WHERE pn.neighbourhood_id = n.id AND p.year <= %(year)s AND p.created_at < %(end)s
          AND NOT EXISTS (SELECT 1 FROM projects_projecttransition t
                          WHERE t.project_id = p.id AND t.to_stage = 'cancelled' AND t.at < %(end)s)
        ORDER BY p.year DESC, p.created_at DESC, p.id DESC LIMIT 1) lp ON TRUE
    LEFT JOIN LATERAL (SELECT t.to_stage FROM projects_projecttransition t
                       WHERE t.project_id = lp.id AND t.at < %(end)s ORDER BY t.at DESC, t.id DESC LIMIT 1) lm ON TRUE
    WHERE %(map)s AND n.id IN (SELECT id FROM hood)
)
SELECT 'group', child::text, year, grp, n, buildings, households, area FROM groups
UNION ALL SELECT 'money', key, NULL, NULL, NULL, NULL, NULL, amount FROM money
UNION ALL SELECT 'funnel', stage, NULL, NULL, n, average_days, longest_days, NULL FROM funnel
UNION ALL SELECT 'map', stage, NULL, name, project, NULL, NULL, latitude FROM map
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="requests per page (median, the first one included)")
    parser.add_argument(
        "--timeout", type=int, default=300, help="seconds after which a statement is cancelled (the page is reported as over)"
    )
    return parser.parse_args()


def unit_statement(template, unit, period):
    """A page's statement for `unit` and the parameters every page's statement takes: the unit,
    the plan year and the years shown up to it, the as-of date and the time zone."""
    sql = template.format(child=CHILD.get(unit.level, "NULL::bigint"), unit_filter=UNIT_FILTER[unit.level])
    params = {
        "unit": unit.pk,
        "year": period.year,
        "first_year": period.year - f.YEARS_SHOWN + 1,
        "as_of": period.as_of,
        "end": period.as_of_end,
        "tz": str(timezone.get_current_timezone()),
    }
    return sql, params


def overview_sql(unit, period):
    sql, params = unit_statement(OVERVIEW_SQL, unit, period)
    params["map"] = unit.level in MAP_LEVELS  # the pages from the city down to a community show the map
    return sql, params


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


# ---- the consultation and money pages (the unit's other tabs) -----------------------------------
# Each page's figures as one hand-written statement, by the definitions in the docstrings of
# dashboards/figures/consultation.py and money.py. A neighbourhood's households are its stored total
# (governance.totals), as the pages read them; the flats of a building or a stairwell are counted.

TAB_HOOD = """
WITH hood AS (
    SELECT n.id, {child} AS child, n.household_count AS households""" + HOOD_FROM + """), cancelled AS (
    SELECT t.project_id AS id FROM projects_projecttransition t WHERE t.to_stage = 'cancelled' AND t.at < %(end)s
)"""

CONSULTATION_SQL = TAB_HOOD + """, plan AS (
    SELECT p.id FROM projects_project p
    WHERE p.year = %(year)s AND p.created_at < %(end)s AND p.id NOT IN (SELECT id FROM cancelled)
), lists AS (
    SELECT dl.id, dl.neighbourhood_id FROM surveys_demandlist dl JOIN hood ON hood.id = dl.neighbourhood_id
    WHERE dl.project_id IN (SELECT id FROM plan) AND dl.opened_at < %(end)s
), submitted AS (
    SELECT dl.neighbourhood_id AS id, count(DISTINCT ds.household_id) AS n
    FROM surveys_demandsubmission ds JOIN surveys_demandlist dl ON dl.id = ds.demand_list_id
    WHERE dl.project_id IN (SELECT id FROM plan) AND ds.submitted_at < %(end)s
    GROUP BY 1
), questionnaires AS (
    SELECT q.neighbourhood_id AS id, count(*) AS n, sum(r.n) AS responses
    FROM surveys_questionnaire q JOIN hood ON hood.id = q.neighbourhood_id
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM surveys_response r
                        WHERE r.questionnaire_id = q.id AND r.submitted_at < %(end)s) r
    WHERE q.opened_at < %(end)s
      AND (q.project_id IN (SELECT id FROM plan)
           OR (q.project_id IS NULL AND EXTRACT(YEAR FROM q.opened_at AT TIME ZONE %(tz)s) = %(year)s))
    GROUP BY 1
), votes AS (
    SELECT v.neighbourhood_id AS id, v.matter_type, count(*) AS held,
           count(*) FILTER (WHERE v.status = 'closed' AND v.closed_at < %(end)s AND v.passed) AS passed,
           count(*) FILTER (WHERE v.status = 'closed' AND v.closed_at < %(end)s AND NOT v.passed) AS failed,
           sum((SELECT count(*) FROM surveys_ballot b WHERE b.vote_id = v.id AND b.at < %(end)s)) AS ballots,
           sum(CASE v.scope
               WHEN 'stairwell' THEN (SELECT count(*) FROM residents_household h WHERE h.stairwell_id = v.stairwell_id)
               WHEN 'building' THEN (SELECT count(*) FROM residents_household h WHERE h.building_id = v.building_id)
               ELSE hood.households
               END) AS flats
    FROM surveys_vote v JOIN hood ON hood.id = v.neighbourhood_id
    WHERE v.opens_at < %(end)s AND v.status <> 'draft'
      AND (v.project_id IN (SELECT id FROM plan)
           OR (v.project_id IS NULL AND EXTRACT(YEAR FROM v.opens_at AT TIME ZONE %(tz)s) = %(year)s))
    GROUP BY 1, 2
), opinions AS (
    SELECT o.neighbourhood_id AS id, count(*) AS collected,
           count(*) FILTER (WHERE o.answered_at < %(end)s AND o.answer IN ('adopted', 'partly')) AS adopted,
           count(*) FILTER (WHERE o.answered_at < %(end)s AND o.answer = 'not_adopted') AS not_adopted,
           count(*) FILTER (WHERE o.answered_at < %(end)s AND o.answer = 'explained') AS explained
    FROM surveys_opinion o JOIN hood ON hood.id = o.neighbourhood_id
    JOIN surveys_consultationprocess cp ON cp.id = o.process_id
    WHERE o.created_at < %(end)s AND cp.project_id IN (SELECT id FROM plan)
    GROUP BY 1
), per_child AS (
    SELECT hood.child,
           sum(hood.households) AS households,
           coalesce(sum(hood.households) FILTER (WHERE hood.id IN (SELECT neighbourhood_id FROM lists)), 0) AS list_households,
           sum(coalesce(sb.n, 0)) AS submitted,
           sum(coalesce(q.n, 0)) AS questionnaires, sum(coalesce(q.responses, 0)) AS responses,
           sum(coalesce(q.n, 0) * hood.households) AS q_households,
           sum(coalesce(vt.held, 0)) AS votes, sum(coalesce(vt.ballots, 0)) AS ballots, sum(coalesce(vt.flats, 0)) AS flats,
           sum(coalesce(op.collected, 0)) AS collected, sum(coalesce(op.adopted, 0)) AS adopted,
           sum(coalesce(op.not_adopted, 0)) AS not_adopted, sum(coalesce(op.explained, 0)) AS explained
    FROM hood
    LEFT JOIN submitted sb ON sb.id = hood.id
    LEFT JOIN questionnaires q ON q.id = hood.id
    LEFT JOIN (SELECT id, sum(held) AS held, sum(ballots) AS ballots, sum(flats) AS flats FROM votes GROUP BY 1) vt
        ON vt.id = hood.id
    LEFT JOIN opinions op ON op.id = hood.id
    GROUP BY hood.child
), items AS (
    SELECT si.catalogueitem_id AS item, count(*) AS n
    FROM surveys_demandsubmission_items si
    JOIN surveys_demandsubmission ds ON ds.id = si.demandsubmission_id
    WHERE ds.demand_list_id IN (SELECT id FROM lists) AND ds.is_current AND ds.submitted_at < %(end)s
    GROUP BY 1
), touching AS (
    SELECT DISTINCT pn.project_id AS id FROM projects_project_neighbourhoods pn JOIN hood ON hood.id = pn.neighbourhood_id
), waiting AS (
    SELECT 'review' AS kind, count(*) AS n
    FROM surveys_consultationstep st JOIN surveys_consultationprocess cp ON cp.id = st.process_id
    WHERE st.direction = 'up' AND st.status = 'open' AND st.opened_at < %(review_before)s
      AND cp.project_id IN (SELECT id FROM touching)
    UNION ALL
    SELECT 'objection', count(*) FROM projects_notice nt
    WHERE EXISTS (SELECT 1 FROM projects_objection ob JOIN residents_household h ON h.id = ob.household_id
                  JOIN hood ON hood.id = h.neighbourhood_id WHERE ob.notice_id = nt.id AND ob.status = 'open')
    UNION ALL
    SELECT 'finding', count(*) FROM projects_supervisionfinding sf
    WHERE sf.project_id IN (SELECT id FROM touching) AND sf.resolved_at IS NULL AND sf.opened_at < %(finding_before)s
    UNION ALL
    SELECT 'report', count(*) FROM projects_project p
    WHERE p.id IN (SELECT id FROM touching) AND p.stage = 'construction'
      AND (p.started_on IS NULL OR p.started_on < %(this_month)s)
      AND NOT EXISTS (SELECT 1 FROM projects_progressreport pr WHERE pr.project_id = p.id AND pr.month = %(last_month)s)
)
SELECT 'row', child::text, households, list_households, submitted, questionnaires, responses, q_households,
       votes, ballots, flats, collected, adopted, not_adopted, explained
FROM per_child
UNION ALL
SELECT 'matter', matter_type, sum(held), sum(passed), sum(failed), sum(ballots), sum(flats),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM votes GROUP BY matter_type
UNION ALL SELECT 'item', item::text, n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM items
UNION ALL SELECT 'waiting', kind, n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM waiting
"""

MONEY_SQL = TAB_HOOD + """, plan AS (
    SELECT p.id, p.year, p.budget FROM projects_project p
    WHERE p.year BETWEEN %(first_year)s AND %(year)s AND p.created_at < %(end)s
      AND p.id NOT IN (SELECT id FROM cancelled)
      AND p.id IN (SELECT pn.project_id FROM projects_project_neighbourhoods pn
                   WHERE pn.neighbourhood_id IN (SELECT id FROM hood))
), live AS (
    SELECT c.project_id, c.amount, fs.kind
    FROM funding_commitment c JOIN funding_fundingsource fs ON fs.id = c.source_id
    WHERE c.project_id IN (SELECT id FROM plan) AND c.committed_on <= %(as_of)s
      AND NOT EXISTS (SELECT 1 FROM funding_commitmentreversal r WHERE r.commitment_id = c.id AND r.created_at < %(end)s)
), gaps AS (
    SELECT p.id, p.budget - coalesce(sum(l.amount), 0) AS gap
    FROM plan p LEFT JOIN live l ON l.project_id = p.id
    WHERE p.year = %(year)s
    GROUP BY p.id, p.budget
    HAVING p.budget - coalesce(sum(l.amount), 0) > 0
), modes AS (
    SELECT hood.child, m.mode
    FROM hood LEFT JOIN LATERAL (
        SELECT a.mode FROM governance_managementarrangement a
        WHERE a.neighbourhood_id = hood.id AND a.started_on <= %(as_of)s
          AND (a.ended_on IS NULL OR a.ended_on >= %(as_of)s) AND a.mode <> 'none'
        ORDER BY a.started_on DESC, a.id DESC LIMIT 1) m ON TRUE
), assessed AS (
    SELECT DISTINCT ON (a.neighbourhood_id, s.year) s.year, s.score
    FROM governance_assessment s JOIN governance_managementarrangement a ON a.id = s.arrangement_id
    WHERE a.neighbourhood_id IN (SELECT id FROM hood) AND s.year BETWEEN %(first_year)s AND %(year)s
      AND s.created_at < %(end)s
    ORDER BY a.neighbourhood_id, s.year, s.id DESC
), due AS (
    SELECT EXTRACT(YEAR FROM i.due_on)::int AS year, py.payer_name AS payer, count(*) AS installments,
           round(sum(pl.area * i.rate * py.share / 100), 2) AS due,
           round(coalesce(sum(pl.area * i.rate * py.share / 100) FILTER (WHERE i.status = 'withheld'), 0), 2) AS withheld
    FROM funding_subsidypayer py
    JOIN funding_subsidyplan pl ON pl.id = py.plan_id
    JOIN funding_subsidyinstallment i ON i.plan_id = pl.id
    WHERE pl.neighbourhood_id IN (SELECT id FROM hood) AND i.due_on <= %(as_of)s
    GROUP BY 1, 2
), paid AS (
    SELECT EXTRACT(YEAR FROM i.due_on)::int AS year, py.payer_name AS payer, sum(pm.amount) AS paid
    FROM funding_subsidypayment pm
    JOIN funding_subsidyinstallment i ON i.id = pm.installment_id
    JOIN funding_subsidyplan pl ON pl.id = i.plan_id
    JOIN funding_subsidypayer py ON py.id = pm.payer_id
    WHERE pl.neighbourhood_id IN (SELECT id FROM hood) AND i.due_on <= %(as_of)s AND pm.paid_at < %(end)s
    GROUP BY 1, 2
)
SELECT 'funding', l.kind, p.year, sum(l.amount), NULL::numeric, NULL::numeric
FROM live l JOIN plan p ON p.id = l.project_id GROUP BY 2, 3
UNION ALL SELECT 'gap', id::text, NULL, gap, NULL, NULL FROM gaps
UNION ALL SELECT 'coverage', coalesce(mode, 'unmanaged'), NULL, count(*), NULL, NULL FROM modes GROUP BY 2
UNION ALL
SELECT 'band', CASE WHEN score >= 90 THEN '0' WHEN score >= 80 THEN '1' WHEN score >= 70 THEN '2'
                    WHEN score >= 60 THEN '3' ELSE '4' END, year, count(*), NULL, NULL
FROM assessed GROUP BY 2, 3
UNION ALL
SELECT 'subsidy', coalesce(d.payer, p.payer), coalesce(d.year, p.year), coalesce(d.due, 0), coalesce(p.paid, 0),
       coalesce(d.withheld, 0)
FROM due d FULL JOIN paid p ON p.year = d.year AND p.payer = d.payer
"""


def tab_sql(page, unit, period):
    """The statement and parameters of the consultation or money page of `unit`."""
    template = {"consultation": CONSULTATION_SQL, "money": MONEY_SQL}[page]
    sql, params = unit_statement(template, unit, period)
    now = timezone.now()
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    from dashboards.figures.waiting import FINDING_WAIT_DAYS, REVIEW_WAIT_DAYS

    params.update(
        review_before=now - datetime.timedelta(days=REVIEW_WAIT_DAYS),
        finding_before=now - datetime.timedelta(days=FINDING_WAIT_DAYS),
        this_month=this_month,
        last_month=(this_month - datetime.timedelta(days=1)).replace(day=1),
    )
    return sql, params


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
