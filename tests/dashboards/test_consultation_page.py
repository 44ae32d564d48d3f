"""The consultation page (issue 10, item 5): every figure against a recount in Python from the raw
rows of generated data, who sees it, its query count at two data sizes, the waiting items and
their admin links, the exports."""

import datetime
import random
from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import figures as f
from governance.models import Neighbourhood, Stairwell
from projects.choices import ObjectionStatus, Stage
from projects.models import CatalogueItem, Notice, Objection, ProgressReport, Project, SupervisionFinding
from residents.models import Household
from residents.session import HOUSEHOLD_KEY
from surveys.choices import MatterType, OpinionAnswer, RulePreset, VoteScope, VoteStatus
from surveys.models import (
    Ballot,
    ConsultationProcess,
    ConsultationStep,
    DemandList,
    DemandSubmission,
    Opinion,
    ProcessTemplate,
    Questionnaire,
    Response,
    Vote,
)
from tests.dashboards.helpers import (
    LEVELS,
    assert_page_and_export_answer,
    assert_tables_export,
    first_units,
    page_queries,
)
from tests.dashboards.test_pages import SCOPING, world  # noqa: F401  (the scoping table's fixture)
from tests.dashboards.test_pages_figures import PERIOD, YEAR, aware, generate
from tests.factories import UserFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

END = PERIOD.as_of_end
ANSWERS = [OpinionAnswer.PENDING, OpinionAnswer.ADOPTED, OpinionAnswer.PARTLY, OpinionAnswer.NOT_ADOPTED, OpinionAnswer.EXPLAINED]
# Moments before and after the as-of date's end (2025-09-30 in Asia/Shanghai).
BEFORE = [aware(datetime.date(YEAR, 3, 3)), aware(datetime.date(YEAR, 9, 30)), aware(datetime.date(YEAR - 1, 11, 1))]
AFTER = [aware(datetime.date(YEAR, 10, 1)), aware(datetime.date(YEAR, 12, 5))]


def _stamp(model, pk, **fields):
    model.objects.filter(pk=pk).update(**fields)


def consult(seed):
    """Consultation rows over every project of the generated data: demand lists and submissions
    (some replaced, some after the as-of date), questionnaires and votes with and without a
    project, ballots, opinions with answers given before and after the as-of date."""
    rng = random.Random(seed)
    items = list(CatalogueItem.objects.order_by("pk")[:8])
    template, _ = ProcessTemplate.objects.get_or_create(name="测试三下三上", district=None)
    for project in Project.objects.filter(consultation__isnull=True).prefetch_related("neighbourhoods"):
        process = ConsultationProcess.objects.create(project=project, template=template)
        for hood in project.neighbourhoods.all():
            households = list(Household.objects.filter(neighbourhood=hood).order_by("pk"))
            _demand(rng, project, hood, households, items)
            for _ in range(2):
                _questionnaire(rng, hood, households, rng.choice([project, None]))
            for _ in range(3):
                _vote(rng, hood, households, rng.choice([project, project, None]))
            for _ in range(rng.randint(2, 5)):
                answer = rng.choice(ANSWERS)
                answered = None if answer == OpinionAnswer.PENDING else rng.choice(BEFORE + BEFORE + AFTER)
                opinion = Opinion.objects.create(
                    process=process, neighbourhood=hood, source="meeting", text="意见",
                    answer=answer, answer_text="说明", answered_at=answered,
                )
                _stamp(Opinion, opinion.pk, created_at=rng.choice(BEFORE + BEFORE + AFTER))


def _demand(rng, project, hood, households, items):
    if rng.random() < 0.3:
        return
    demand_list = DemandList.objects.create(project=project, neighbourhood=hood)
    _stamp(DemandList, demand_list.pk, opened_at=rng.choice(BEFORE + BEFORE + AFTER))
    for household in rng.sample(households, rng.randint(0, len(households))):
        for current in ([False, True] if rng.random() < 0.3 else [True]):
            submission = DemandSubmission.objects.create(
                demand_list=demand_list, household=household, channel="paper", is_current=current,
                submitted_at=rng.choice(BEFORE + BEFORE + AFTER), receipt=f"R{DemandSubmission.objects.count()}",
            )
            submission.items.set(rng.sample(items, rng.randint(1, 4)))


def _questionnaire(rng, hood, households, project):
    if rng.random() < 0.3:
        return
    opened = rng.choice(BEFORE + BEFORE + AFTER + [None])
    questionnaire = Questionnaire.objects.create(
        neighbourhood=hood, project=project, title="问卷", status="draft" if opened is None else "open", opened_at=opened
    )
    for household in rng.sample(households, rng.randint(0, len(households))):
        Response.objects.create(
            questionnaire=questionnaire, household=household, channel="paper",
            submitted_at=rng.choice(BEFORE + BEFORE + AFTER),
        )


def _vote(rng, hood, households, project):
    if not households:
        return
    target = rng.choice(households)
    scope = rng.choice([VoteScope.NEIGHBOURHOOD, VoteScope.BUILDING, VoteScope.STAIRWELL])
    opens = rng.choice(BEFORE + BEFORE + AFTER)
    status = rng.choice([VoteStatus.OPEN, VoteStatus.CLOSED, VoteStatus.CLOSED, VoteStatus.CLOSED, VoteStatus.DRAFT])
    vote = Vote.objects.create(
        project=project, title="表决", matter_type=rng.choice(MatterType.values), scope=scope, neighbourhood=hood,
        building_id=target.building_id if scope != VoteScope.NEIGHBOURHOOD else None,
        stairwell_id=target.stairwell_id if scope == VoteScope.STAIRWELL else None,
        rule=RulePreset.SIMPLE, opens_at=opens, closes_at=opens + datetime.timedelta(days=10), status=status,
        passed=rng.choice([True, False]) if status == VoteStatus.CLOSED else None,
        closed_at=rng.choice(BEFORE + BEFORE + AFTER) if status == VoteStatus.CLOSED else None,
    )
    for household in rng.sample(households, rng.randint(0, len(households))):
        Ballot.objects.create(
            vote=vote, household=household, choice="agree", channel="paper", at=rng.choice(BEFORE + BEFORE + AFTER)
        )


def generate_with_consultation(seed, **sizes):
    district = generate(seed, **sizes)
    # Stairwells for the generated households (one per building), so stairwell votes have a scope.
    for household in Household.objects.filter(stairwell__isnull=True).select_related("building"):
        if household.building_id:
            stairwell, _ = Stairwell.objects.get_or_create(building=household.building, name="1单元")
            _stamp(Household, household.pk, stairwell=stairwell)
    consult(seed)
    _sure(district)
    return district


def _sure(district):
    """Rows that every figure counts whatever the random draw: on a project of the plan year in
    `district`, a questionnaire answered, an adopted opinion, a vote passed and one failed, before
    the as-of date."""
    project = Project.objects.filter(year=YEAR, neighbourhoods__community__street__district=district).first()
    hood = project.neighbourhoods.first()
    households = list(Household.objects.filter(neighbourhood=hood))
    questionnaire = Questionnaire.objects.create(neighbourhood=hood, project=project, title="问卷", status="closed", opened_at=BEFORE[0])
    for household in households:
        Response.objects.create(questionnaire=questionnaire, household=household, channel="paper", submitted_at=BEFORE[0])
    opinion = Opinion.objects.create(process=project.consultation, neighbourhood=hood, source="visit", text="意见",
                                     answer=OpinionAnswer.ADOPTED, answered_at=BEFORE[0])
    _stamp(Opinion, opinion.pk, created_at=BEFORE[0])
    for passed in (True, False):
        vote = Vote.objects.create(
            project=project, title="表决", matter_type=MatterType.OTHER, neighbourhood=hood, rule=RulePreset.SIMPLE,
            opens_at=BEFORE[0], closes_at=BEFORE[1], status=VoteStatus.CLOSED, passed=passed, closed_at=BEFORE[1],
        )
        for household in households:
            Ballot.objects.create(vote=vote, household=household, choice="agree", channel="paper", at=BEFORE[0])


def recount(district):
    """The consultation page of `district` (rows per street) recounted in Python."""
    hoods = {h.pk: h for h in Neighbourhood.objects.select_related("community").filter(community__street__district=district)}
    street = {pk: h.community.street_id for pk, h in hoods.items()}
    cancelled = {p.pk for p in Project.objects.all() if p.transitions.filter(to_stage=Stage.CANCELLED, at__lt=END).exists()}
    plan = {p.pk for p in Project.objects.all() if p.year == YEAR and p.pk not in cancelled}
    households = defaultdict(list)
    for h in Household.objects.all():
        households[h.neighbourhood_id].append(h)
    rows = defaultdict(lambda: defaultdict(int))
    for pk in hoods:
        rows[street[pk]]["households"] += len(households[pk])
    lists = [d for d in DemandList.objects.all() if d.neighbourhood_id in hoods and d.project_id in plan and d.opened_at < END]
    for pk in {d.neighbourhood_id for d in lists}:
        rows[street[pk]]["list_households"] += len(households[pk])
    submitted = {
        (s.demand_list.neighbourhood_id, s.household_id)
        for s in DemandSubmission.objects.select_related("demand_list")
        if s.demand_list.neighbourhood_id in hoods and s.demand_list.project_id in plan and s.submitted_at < END
    }
    for pk, _household in submitted:
        rows[street[pk]]["submitted"] += 1

    def of_year(row, opened):
        return row.project_id in plan if row.project_id else opened.year == YEAR if opened else False

    for q in Questionnaire.objects.all():
        if q.neighbourhood_id in hoods and q.opened_at and q.opened_at < END and of_year(q, timezone.localtime(q.opened_at)):
            row = rows[street[q.neighbourhood_id]]
            row["questionnaires"] += 1
            row["responses"] += sum(1 for r in Response.objects.filter(questionnaire=q) if r.submitted_at < END)
            row["q_households"] += len(households[q.neighbourhood_id])
    matters = defaultdict(lambda: defaultdict(int))
    for v in Vote.objects.all():
        if v.neighbourhood_id not in hoods or v.status == VoteStatus.DRAFT or v.opens_at >= END:
            continue
        if not of_year(v, timezone.localtime(v.opens_at)):
            continue
        ballots = sum(1 for b in Ballot.objects.filter(vote=v) if b.at < END)
        flats = sum(
            1 for h in households[v.neighbourhood_id]
            if v.scope == VoteScope.NEIGHBOURHOOD or (v.scope == VoteScope.BUILDING and h.building_id == v.building_id)
            or (v.scope == VoteScope.STAIRWELL and h.stairwell_id == v.stairwell_id)
        )
        closed = v.status == VoteStatus.CLOSED and v.closed_at < END
        for target in (rows[street[v.neighbourhood_id]], matters[v.matter_type]):
            target["votes"] += 1
            target["ballots"] += ballots
            target["flats"] += flats
            target["passed"] += closed and v.passed
            target["failed"] += closed and not v.passed
    for o in Opinion.objects.select_related("process"):
        if o.neighbourhood_id in hoods and o.created_at < END and o.process.project_id in plan:
            row = rows[street[o.neighbourhood_id]]
            row["collected"] += 1
            if o.answered_at and o.answered_at < END:
                key = {"adopted": "adopted", "partly": "adopted", "not_adopted": "not_adopted", "explained": "explained"}
                row[key[o.answer]] += 1
    items = defaultdict(set)
    for s in DemandSubmission.objects.select_related("demand_list").prefetch_related("items"):
        if s.is_current and s.submitted_at < END and s.demand_list in lists:
            for item in s.items.all():
                items[item.pk].add((s.demand_list_id, s.household_id))  # a household counts in each list
    return rows, matters, {pk: len(v) for pk, v in items.items()}


FIELDS = ("households", "list_households", "submitted", "questionnaires", "responses", "q_households",
          "votes", "ballots", "flats", "collected", "adopted", "not_adopted", "explained")


def test_every_figure_of_the_consultation_page_equals_a_recount_from_the_raw_rows():
    district = generate_with_consultation(seed=11, streets=3, neighbourhoods=4)
    root = UserFactory(username="root", is_superuser=True)
    figures = f.consultation(root, f.Unit(f.DISTRICT, district), PERIOD)
    rows, matters, items = recount(district)
    assert sum(r["submitted"] for r in rows.values()) > 0 and sum(r["ballots"] for r in rows.values()) > 0
    assert sum(r["responses"] for r in rows.values()) > 0 and sum(r["adopted"] for r in rows.values()) > 0
    assert {r["pk"] for r in figures["rows"]} == set(rows)
    for row in figures["rows"]:
        assert {name: row[name] for name in FIELDS} == {name: rows[row["pk"]][name] for name in FIELDS}, row["name"]
        assert row["demand_rate"] == f.rate(row["submitted"], row["list_households"])
        assert row["pending"] == row["collected"] - row["adopted"] - row["not_adopted"] - row["explained"]
    assert figures["total"]["vote_rate"] == f.rate(
        sum(r["ballots"] for r in rows.values()), sum(r["flats"] for r in rows.values())
    )
    got = {v["matter"]: (v["held"], v["passed"], v["failed"], v["ballots"], v["flats"]) for v in figures["votes"]}
    want = {m: (v["votes"], v["passed"], v["failed"], v["ballots"], v["flats"]) for m, v in matters.items()}
    assert got == want and any(v["passed"] for v in matters.values()) and any(v["failed"] for v in matters.values())
    top = sorted(items.values(), reverse=True)[: f.TOP_ITEMS]
    assert [row.households for row in figures["top_items"]] == top
    assert all(items[row.item_id] == row.households for row in figures["top_items"])


def _urls(district, page):
    query = f"?year={YEAR}&month=2025-09"
    units = first_units(district)
    return {
        "city": reverse("dashboards:page_top", args=[page]) + query,
        **{level: reverse("dashboards:page", args=[level, units[level].pk, page]) + query for level in LEVELS},
    }


def test_the_page_takes_the_same_number_of_queries_at_two_data_sizes(client):
    client.force_login(UserFactory(username="root", is_superuser=True))
    small = generate_with_consultation(seed=1, districts=1, streets=1, communities=1, neighbourhoods=1)
    export = reverse("dashboards:page_export", args=["district", small.pk, "consultation", "participation", "xlsx"])
    before = {name: page_queries(client, url) for name, url in _urls(small, "consultation").items()}
    before["export"] = page_queries(client, export)
    big = generate_with_consultation(seed=2, districts=3, streets=3, communities=2, neighbourhoods=3)
    export = reverse("dashboards:page_export", args=["district", big.pk, "consultation", "participation", "xlsx"])
    after = {name: page_queries(client, url) for name, url in _urls(big, "consultation").items()}
    after["export"] = page_queries(client, export)
    assert before == after
    # Pinned: the session and the user (2), the unit's row (1, none for the city; at a project its
    # neighbourhood for the breadcrumb too), demand with the rows' names, questionnaires, opinions,
    # votes (4), the top items (2: the lists' ids, then their items), the waiting items (4 lists,
    # each with its count).
    assert after == {
        "city": 12, "district": 13, "street": 13, "community": 13, "neighbourhood": 13, "project": 14, "export": 13,
    }


@pytest.mark.parametrize("who, level, place, status", SCOPING)
def test_scoping_of_the_page_and_its_exports(client, world, users, who, level, place, status):  # noqa: F811
    user, unit = getattr(users, who), getattr(world, place)
    assert_page_and_export_answer(client, user, level, unit, "consultation", "votes", status)


def test_anonymous_and_residents_go_to_the_login_and_an_unknown_page_is_404(client, world, users):  # noqa: F811
    urls = [
        reverse("dashboards:page_top", args=["consultation"]),
        reverse("dashboards:page", args=["district", world.district.pk, "consultation"]),
        reverse("dashboards:page_export", args=["district", world.district.pk, "consultation", "votes", "csv"]),
    ]
    session = client.session
    session[HOUSEHOLD_KEY] = Household.objects.filter(neighbourhood=world.n111).first().pk
    session.save()  # a resident signed in with a household code is no staff member
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    client.force_login(users.official)
    assert client.get(reverse("dashboards:page", args=["district", world.district.pk, "planet"])).status_code == 404
    # The district official's top page of a tab is their district's.
    response = client.get(reverse("dashboards:page_top", args=["consultation"]) + "?year=2026")
    assert response["Location"] == reverse("dashboards:page", args=["district", world.district.pk, "consultation"]) + "?year=2026"


def test_the_tabs_and_the_breadcrumb_keep_the_page(client, world, users):  # noqa: F811
    client.force_login(users.official)
    response = client.get(reverse("dashboards:page", args=["neighbourhood", world.n111.pk, "consultation"]))
    tabs = {str(tab["name"]): tab["url"] for tab in response.context["tabs"]}
    assert tabs["总览"].startswith(reverse("dashboards:unit", args=["neighbourhood", world.n111.pk]))
    assert tabs["协商议事"].startswith(reverse("dashboards:page", args=["neighbourhood", world.n111.pk, "consultation"]))
    crumbs = response.context["breadcrumb"]
    assert crumbs[0]["url"].startswith(reverse("dashboards:page", args=["district", world.district.pk, "consultation"]))
    district = client.get(reverse("dashboards:page", args=["district", world.district.pk, "consultation"]))
    assert reverse("dashboards:page", args=["street", world.s1.pk, "consultation"]) in district.content.decode()


def test_waiting_items_are_the_overdue_ones_and_link_the_admin_page_that_settles_them(client, world, users):  # noqa: F811
    now = timezone.now()
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    template, _ = ProcessTemplate.objects.get_or_create(name="测试三下三上", district=None)
    made = {}
    for code, hood, stage in (("W1", world.n111, Stage.CONSTRUCTION), ("W2", world.n121, Stage.CONSTRUCTION), ("OUTSIDE-9", world.ne, Stage.CONSTRUCTION)):
        project = ProjectFactory(code=code, lead_street=hood.community.street, neighbourhoods=[hood], stage=stage,
                                 started_on=last_month - datetime.timedelta(days=40))
        process = ConsultationProcess.objects.create(project=project, template=template)
        for order, days in enumerate((8, 6)):
            step = ConsultationStep.objects.create(process=process, order=order * 2 + 1, code=f"U{order}", direction="up",
                                                   name="上报", status="open" if order == 0 else "pending")
            _stamp(ConsultationStep, step.pk, opened_at=now - datetime.timedelta(days=days))
        for days, resolved in ((31, None), (29, None), (40, now)):
            finding = SupervisionFinding.objects.create(project=project, source="staff", description=f"问题{days}",
                                                        opened_at=now - datetime.timedelta(days=days), resolved_at=resolved,
                                                        resolution_note="已整改" if resolved else "")
        notice = Notice.objects.create(project=project, kind="plan", title=f"公示{code}", body="内容",
                                       starts_on=today - datetime.timedelta(days=3), ends_on=today)
        household = Household.objects.filter(neighbourhood=hood).first()
        answered = Objection.objects.create(notice=notice, household=household, text="已答复", status=ObjectionStatus.ANSWERED,
                                            answer="答复", answered_at=now)
        open_one = Objection.objects.create(notice=notice, household=household, text="异议")
        made[code] = (project, process, notice, open_one, answered)
    ProgressReport.objects.create(project=made["W2"][0], month=last_month, percent_complete=50, investment_to_date=1)
    # A step open for 6 days, a finding of 29 days, a project that reported, a notice whose only
    # objection is answered: none of them waits.
    Objection.objects.filter(notice=made["W2"][2], status=ObjectionStatus.OPEN).delete()
    client.force_login(users.street)
    response = client.get(reverse("dashboards:page", args=["street", world.s1.pk, "consultation"]))
    waiting = response.context["figures"]["waiting"]
    # Reports: W1, and the world's P1 (under construction in s1 since January, never reported).
    assert waiting["counts"] == {"review": 2, "objection": 1, "finding": 2, "report": 2}
    table = next(t for t in response.context["tables"] if t.name == "waiting")
    w1, p1 = made["W1"][0], made["W1"][1]
    step = p1.steps.get(code="U0")
    expected = {
        reverse("admin:surveys_stepreview_add") + f"?step={step.pk}",
        reverse("admin:projects_objection_change", args=[made["W1"][3].pk]),
        reverse("admin:projects_supervisionfinding_change", args=[SupervisionFinding.objects.get(project=w1, description="问题31").pk]),
        reverse("admin:projects_progressreport_add") + f"?project={w1.pk}&month={last_month.isoformat()}",
    }
    assert expected <= set(table.hrefs)
    html = response.content.decode()
    for url in expected:
        assert url.replace("&", "&amp;") in html
        assert client.get(url).status_code == 200, url  # the street staff may open each one
    assert "OUTSIDE-9" not in html  # another district's project never appears
    # The district official reads only: each item links the page that shows it, which opens.
    client.force_login(users.official)
    response = client.get(reverse("dashboards:page", args=["street", world.s1.pk, "consultation"]))
    table = next(t for t in response.context["tables"] if t.name == "waiting")
    shown = {
        reverse("admin:surveys_consultationstep_change", args=[step.pk]),
        reverse("admin:projects_objection_change", args=[made["W1"][3].pk]),
        reverse("admin:projects_project_change", args=[w1.pk]),
    }
    assert shown <= set(table.hrefs) and not any("/add/" in url for url in table.hrefs)
    for url in shown:
        assert client.get(url).status_code == 200, url


def test_every_table_exports_with_chinese_headers_and_the_territory_and_date_in_the_name(client, world, users):  # noqa: F811
    client.force_login(users.official)
    headers = {"participation": "街道", "top_items": "改造内容", "opinions": "街道", "votes": "事项类型", "waiting": "事项"}
    assert_tables_export(client, "district", world.district, "consultation", headers, "2026-01", "2026-01-31")
    bad = reverse("dashboards:page_export", args=["district", world.district.pk, "consultation", "progress", "csv"])
    assert client.get(bad).status_code == 404  # the overview's table is not on this page
