"""The overview's figures (issue 10, item 2) against a recount in Python over the raw rows of
generated data, and the number of queries of each page, the same at two data sizes."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import figures as f
from funding.choices import SourceKind
from funding.models import Commitment, CommitmentReversal, Disbursement, DisbursementReversal, FundingSource
from governance.choices import RoleKind
from governance.models import Building, Community, District, Neighbourhood, Street
from governance.services import recount_neighbourhood_totals
from projects.choices import Stage
from projects.models import Project, ProjectTransition
from residents.models import Household
from tests.dashboards.helpers import LEVELS, first_units, page_queries
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

YEAR = 2025
AS_OF_MONTH = datetime.date(2025, 9, 1)
PERIOD = f.Period(year=YEAR, month=AS_OF_MONTH)
STAGES = [Stage.CANDIDATE, Stage.CONSULTATION, Stage.TENDER, Stage.CONSTRUCTION, Stage.ACCEPTANCE, Stage.CANCELLED]


def aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def generate(seed, districts=2, streets=2, communities=2, neighbourhoods=3):
    """A random territory with buildings, households, projects over two years, stage moves,
    commitments (some reversed), disbursements (some reversed). Returns the first district."""
    rng = random.Random(seed)
    made = []
    for d in range(districts):
        district = District.objects.create(name=f"区{seed}-{d}", eligibility_cutoff=datetime.date(2001, 1, 1))
        made.append(district)
        source = FundingSource.objects.create(
            name=f"资金{seed}-{d}", kind=SourceKind.CENTRAL_SUBSIDY, provider="财政",
            amount_held=Decimal("100000000.00"), district=district,
        )
        sources = [source] + [
            FundingSource.objects.create(
                name=f"资金{seed}-{d}-{k}", kind=k, provider="出资方", amount_held=Decimal("100000000.00"), district=district
            )
            for k in (SourceKind.DISTRICT_BUDGET, SourceKind.SOCIAL_CAPITAL)
        ]
        for s in range(streets):
            street = Street.objects.create(district=district, name=f"街道{d}-{s}")
            hoods = []
            for c in range(communities):
                community = Community.objects.create(street=street, name=f"社区{d}-{s}-{c}")
                for n in range(neighbourhoods):
                    hood = Neighbourhood.objects.create(
                        community=community,
                        name=f"小区{d}-{s}-{c}-{n}",
                        built_year=rng.choice([1985, 1995, 2005]),
                        admission_reason=rng.choice(["", "", "危旧"]),
                    )
                    hoods.append(hood)
                    buildings = Building.objects.bulk_create(
                        [Building(neighbourhood=hood, name=f"{b}栋") for b in range(rng.randint(0, 3))]
                    )
                    Household.objects.bulk_create(
                        [
                            Household(
                                neighbourhood=hood, building=building, room=f"{r}",
                                floor_area=Decimal(rng.randint(3000, 12000)) / 100,
                            )
                            for building in buildings
                            for r in range(rng.randint(1, 4))
                        ]
                    )
            for p in range(rng.randint(1, 3)):
                year = rng.choice([YEAR, YEAR, YEAR - 1])
                started = rng.choice([None, datetime.date(YEAR, 3, 1), datetime.date(YEAR, 11, 1)])
                completed = started and rng.choice([None, max(started, datetime.date(YEAR, 8, 1)), datetime.date(YEAR, 12, 1)])
                project = Project.objects.create(
                    code=f"P{seed}-{d}-{s}-{p}", name="项目", year=year, lead_street=street,
                    budget=Decimal(rng.randint(100, 900)) * 1000, started_on=started, completed_on=completed,
                )
                project.neighbourhoods.set(rng.sample(hoods, rng.randint(1, min(2, len(hoods)))))
                for k, stage in enumerate(rng.sample(STAGES[1:], rng.randint(0, 2))):
                    move = ProjectTransition.objects.create(project=project, from_stage=Stage.CANDIDATE, to_stage=stage)
                    ProjectTransition.objects.filter(pk=move.pk).update(at=aware(datetime.date(YEAR, rng.randint(1, 11), 10 + k)))
                for _ in range(rng.randint(0, 3)):
                    commitment = Commitment.objects.create(
                        source=rng.choice(sources), project=project, amount=Decimal(rng.randint(1, 200)) * 1000,
                        committed_on=datetime.date(YEAR, rng.randint(1, 12), 1),
                    )
                    paid = Disbursement.objects.create(
                        commitment=commitment, amount=Decimal("500.00"), payee="施工单位", voucher_number="V",
                        paid_on=datetime.date(YEAR, rng.randint(1, 12), 2),
                    )
                    if rng.random() < 0.2:
                        r = DisbursementReversal.objects.create(disbursement=paid, reason="错账")
                        DisbursementReversal.objects.filter(pk=r.pk).update(created_at=aware(datetime.date(YEAR, rng.randint(1, 12), 3)))
                    if rng.random() < 0.2:
                        r = CommitmentReversal.objects.create(commitment=commitment, reason="更正")
                        CommitmentReversal.objects.filter(pk=r.pk).update(created_at=aware(datetime.date(YEAR, rng.randint(1, 12), 3)))
    # Every project was recorded before the period.
    Project.objects.update(created_at=aware(datetime.date(YEAR - 1, 12, 1)))
    # The buildings and households were bulk-written past the services: store their totals as a
    # bulk writer must (the recount below counts the raw rows again, independently).
    recount_neighbourhood_totals()
    return made[0]


def recount(district):
    """The overview of `district` recounted in Python from the raw rows."""
    as_of = PERIOD.as_of
    end = PERIOD.as_of_end
    hoods = {
        h.pk: h for h in Neighbourhood.objects.select_related("community__street__district").filter(community__street__district=district)
    }
    buildings = defaultdict(int)
    for b in Building.objects.all():
        buildings[b.neighbourhood_id] += 1
    households = defaultdict(int)
    area = defaultdict(lambda: Decimal("0.00"))
    for h in Household.objects.all():
        households[h.neighbourhood_id] += 1
        area[h.neighbourhood_id] += h.floor_area
    cancelled = {t.project_id for t in ProjectTransition.objects.all() if t.to_stage == Stage.CANCELLED and t.at < end}
    projects = list(Project.objects.prefetch_related("neighbourhoods"))
    eligible = {pk for pk, h in hoods.items() if h.built_year < 2001 or h.admission_reason}

    def groups_of(year, keep):
        """The four groups of the plan `year` over the unit's neighbourhoods that `keep`."""
        member = defaultdict(set)
        member["eligible"] = eligible
        for p in projects:
            if p.year != year or p.pk in cancelled:
                continue
            for n in p.neighbourhoods.all():
                member["planned"].add(n.pk)
                if p.started_on and p.started_on <= as_of:
                    member["started"].add(n.pk)
                if p.completed_on and p.completed_on <= as_of:
                    member["completed"].add(n.pk)
        groups = f.empty_groups()
        for pk in hoods:
            if not keep(pk):
                continue
            for group in f.GROUPS:
                if pk in member[group]:
                    groups[group]["neighbourhoods"] += 1
                    groups[group]["buildings"] += buildings[pk]
                    groups[group]["households"] += households[pk]
                    groups[group]["floor_area"] += area[pk]
        return groups

    plan = [p for p in projects if p.year == YEAR and p.pk not in cancelled]
    in_unit = [p for p in plan if any(n.pk in hoods for n in p.neighbourhoods.all())]
    streets = {h.community.street_id for h in hoods.values()}
    per_street = {s: groups_of(YEAR, lambda pk, s=s: hoods[pk].community.street_id == s) for s in streets}
    total = groups_of(YEAR, lambda pk: True)
    years = {year: groups_of(year, lambda pk: True) for year in range(YEAR - 4, YEAR + 1)}
    unit_ids = {p.pk for p in in_unit}
    live = lambda row: not hasattr(row, "reversal") or row.reversal.created_at >= end  # noqa: E731
    commitments = [
        c for c in Commitment.objects.select_related("source") if c.project_id in unit_ids and c.committed_on <= as_of and live(c)
    ]
    by_kind = defaultdict(lambda: Decimal("0.00"))
    per_project = defaultdict(lambda: Decimal("0.00"))
    for c in commitments:
        by_kind[c.source.kind] += c.amount
        per_project[c.project_id] += c.amount
    committed_ids = {c.pk for c in commitments}
    disbursed = sum(
        (d.amount for d in Disbursement.objects.all() if d.commitment_id in committed_ids and d.paid_on <= as_of and live(d)),
        Decimal("0.00"),
    )
    funnel = defaultdict(list)
    for p in in_unit:
        moves = [t for t in ProjectTransition.objects.filter(project=p) if t.at < end]
        moves.sort(key=lambda t: (t.at, t.pk))
        stage, since = (moves[-1].to_stage, moves[-1].at) if moves else (Stage.CANDIDATE, p.created_at)
        funnel[stage].append((as_of - timezone.localdate(since)).days)
    return {
        "groups": total,
        "years": years,
        "per_street": per_street,
        "budget": sum((p.budget for p in in_unit), Decimal("0.00")),
        "gap": sum((max(p.budget - per_project[p.pk], Decimal("0.00")) for p in in_unit), Decimal("0.00")),
        "by_kind": dict(by_kind),
        "disbursed": disbursed,
        "funnel": {stage: (len(days), max(days)) for stage, days in funnel.items()},
    }


def test_every_figure_of_the_overview_equals_a_recount_from_the_raw_rows():
    district = generate(seed=7)
    root = UserFactory(username="root", is_superuser=True)
    unit = f.Unit(f.DISTRICT, district)
    figures = f.overview(root, unit, PERIOD)
    expected = recount(district)
    assert expected["groups"]["planned"]["neighbourhoods"] > 0  # the data exercises the figures
    assert figures["groups"] == expected["groups"]
    assert {row["year"]: row["groups"] for row in figures["years"]} == expected["years"]
    assert expected["years"][YEAR - 1]["planned"]["neighbourhoods"] > 0
    children = {c["pk"]: c for c in figures["children"]}
    assert set(children) == set(expected["per_street"])
    for street_id, groups in expected["per_street"].items():
        assert children[street_id]["groups"] == groups
        started, planned = groups["started"]["households"], groups["planned"]["households"]
        expected_rate = None if not planned else (Decimal(started) * 100 / planned).quantize(Decimal("0.1"))
        assert children[street_id]["rates"]["by_households"] == expected_rate
    money = figures["investment"]
    assert money["budget"] == expected["budget"] and money["gap"] == expected["gap"]
    assert {row["kind"]: row["amount"] for row in money["by_kind"]} == expected["by_kind"]
    assert money["committed"] == sum(expected["by_kind"].values(), Decimal("0.00"))
    assert money["disbursed"] == expected["disbursed"]
    for row in figures["funnel"]:
        count, longest = expected["funnel"].get(row["stage"], (0, None))
        assert (row["projects"], row["longest_days"]) == (count, longest), row["stage"]
    # A superuser's district page and a district official's see the same.
    official = staff_user(RoleKind.DISTRICT_OFFICIAL, district, "official")
    assert f.overview(official, unit, PERIOD)["groups"] == figures["groups"]


def test_each_page_takes_the_same_number_of_queries_at_two_data_sizes(client):
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    small = generate(seed=1, districts=1, streets=1, communities=1, neighbourhoods=1)

    def urls(district):
        query = f"?year={YEAR}&month=2025-09"
        units = first_units(district)
        return {
            "city": reverse("dashboards:index") + query,
            **{level: reverse("dashboards:unit", args=[level, units[level].pk]) + query for level in LEVELS},
            "export": reverse("dashboards:export", args=["district", district.pk, "start_rate", "xlsx"]) + query,
        }

    before = {name: page_queries(client, url) for name, url in urls(small).items()}
    big = generate(seed=2, districts=3, streets=3, communities=2, neighbourhoods=3)
    after = {name: page_queries(client, url) for name, url in urls(big).items()}
    assert before == after
    # Pinned: the session and the user (2), the unit's row (1, none for the city; at a project
    # also its neighbourhood for the breadcrumb), the overview's four (the neighbourhoods with
    # their child units' names, their plan-year links, the plan year's projects with their stage,
    # their commitments and payments) and, from the city down to a community, the map's points (1).
    # (Down from 9/10/10/10/9/9/9 when the overview took six queries.)
    assert after == {
        "city": 7, "district": 8, "street": 8, "community": 8, "neighbourhood": 7, "project": 8, "export": 7,
    }
