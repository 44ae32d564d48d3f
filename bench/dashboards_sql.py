"""The hand-written SQL of bench/bench_dashboards.py: each dashboards page's figures as one
statement, by the definitions in the docstrings of dashboards/figures/ (the baseline each page is
timed against). Imported by bench_dashboards.py once Django is set up."""

import datetime

from django.utils import timezone

from dashboards import figures as f
from dashboards.figures.map import MAP_LEVELS
from dashboards.figures.waiting import FINDING_WAIT_DAYS, REVIEW_WAIT_DAYS

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
    params.update(
        review_before=now - datetime.timedelta(days=REVIEW_WAIT_DAYS),
        finding_before=now - datetime.timedelta(days=FINDING_WAIT_DAYS),
        this_month=this_month,
        last_month=(this_month - datetime.timedelta(days=1)).replace(day=1),
    )
    return sql, params
