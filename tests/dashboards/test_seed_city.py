"""seed_demo at the city's shape (`--scale tinycity`: three districts and dashboards/demo/'s four
plan years of history, written by governance.bulk: COPY on PostgreSQL, bulk_create on SQLite).
The rows written straight to the tables must hold what the services would have enforced, and the
dashboards must read them as they read rows written by the services."""

import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone

from dashboards import figures as f
from funding.models import Commitment, Disbursement, FundingSource
from governance.models import Assessment, Building, District, ManagementArrangement, Neighbourhood, Stairwell
from governance.scoping import scope
from governance.services import neighbourhood_totals_mismatches
from projects.choices import Stage
from projects.models import ProgressReport, Project, ProjectTransition
from residents.demo import OwnerMaker
from residents.identity import id_number_hash, id_number_problem
from residents.models import Household
from surveys.models import Ballot, ConsultationStep, DemandSubmission, Vote
from tests.dashboards.helpers import seeded_for_module


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    yield from seeded_for_module(django_db_blocker, "tinycity")


def test_the_city_shape(seeded, db):
    assert District.objects.count() == 3
    assert Neighbourhood.objects.count() == 45 and Building.objects.count() == 90
    assert Household.objects.count() == sum(2 * s.floors for s in Stairwell.objects.all())
    assert not Household.objects.filter(owner_id_hash="").exists()
    # The stored per-neighbourhood totals, written past the services, were recounted.
    assert neighbourhood_totals_mismatches() == []
    assert "全市改造历史" in seeded
    # The history spans the four plan years up to this one, beside the story's projects.
    years = set(Project.objects.values_list("year", flat=True))
    today = timezone.localdate()
    assert {today.year - 3, today.year - 2, today.year - 1, today.year} <= years
    assert ProgressReport.objects.dates("month", "month").count() >= 24
    assert Commitment.objects.exists() and Disbursement.objects.exists()
    assert Assessment.objects.exists() and Vote.objects.filter(status="closed").exists()
    assert Ballot.objects.exists() and DemandSubmission.objects.exists()


def test_projects_stages_follow_their_transitions(seeded, db):
    last = {}
    moves = defaultdict(dict)
    for t in ProjectTransition.objects.order_by("at", "pk"):
        last[t.project_id] = t.to_stage
        moves[t.project_id][t.to_stage] = timezone.localdate(t.at)
    for p in Project.objects.all():
        assert p.stage == last.get(p.pk, Stage.CANDIDATE), p.code
        if Stage.CONSTRUCTION in moves[p.pk] and p.code.split("-")[1].startswith("C"):
            assert p.started_on == moves[p.pk][Stage.CONSTRUCTION]
        if p.started_on is None:
            assert not p.progress_reports.exists()
        else:
            months = list(p.progress_reports.values_list("percent_complete", flat=True).order_by("month"))
            assert months and months == sorted(months) and months[-1] <= 100
    assert not ProjectTransition.objects.filter(at__gt=timezone.now()).exists()


def test_money_within_what_sources_hold_and_commitments_allow(seeded, db):
    committed = dict(Commitment.objects.values("source").annotate(t=Sum("amount")).values_list("source", "t"))
    for source in FundingSource.objects.all():
        assert committed.get(source.pk, Decimal(0)) <= source.amount_held
    paid = dict(Disbursement.objects.values("commitment").annotate(t=Sum("amount")).values_list("commitment", "t"))
    for commitment in Commitment.objects.all():
        assert paid.get(commitment.pk, Decimal(0)) <= commitment.amount
    for project in Project.objects.exclude(stage__in=[Stage.CANDIDATE, Stage.CONSULTATION, Stage.CANCELLED, Stage.SUSPENDED]):
        total = project.commitments.aggregate(t=Sum("amount"))["t"]
        assert total == project.budget, project.code


def test_consultation_rows_stay_in_their_neighbourhood(seeded, db):
    assert not DemandSubmission.objects.exclude(household__neighbourhood=F("demand_list__neighbourhood")).exists()
    assert not Ballot.objects.exclude(household__neighbourhood=F("vote__neighbourhood")).exists()
    open_steps = Counter(ConsultationStep.objects.filter(status="open").values_list("process_id", flat=True))
    assert set(open_steps.values()) <= {1}
    # One current arrangement per neighbourhood (the constraint), assessments within their period.
    assert not ManagementArrangement.objects.filter(ended_on__isnull=True).values("neighbourhood").annotate(
        n=Count("pk")
    ).filter(n__gt=1).exists()


def test_the_city_page_reads_the_history(seeded, client, db):
    from django.contrib.auth import get_user_model

    city = get_user_model().objects.get(username="city")
    client.force_login(city)
    response = client.get(reverse("dashboards:index"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert len(figures["children"]) == 3
    # The planned households of this year, recounted from the raw rows.
    today = timezone.localdate()
    planned = set()
    for project in Project.objects.filter(year=today.year).prefetch_related("neighbourhoods", "transitions"):
        if not any(t.to_stage == Stage.CANCELLED for t in project.transitions.all()):
            planned |= {n.pk for n in project.neighbourhoods.all()}
    expected = Household.objects.filter(neighbourhood__in=planned).count()
    assert figures["groups"]["planned"]["households"] == expected > 0
    unit = f.Unit(f.CITY)
    assert scope(Neighbourhood.objects.all(), city).count() == 45
    assert f.overview(city, unit, response.context["period"])["investment"]["budget"] > 0


def test_the_seed_owners_hash_as_the_identity_hash():
    maker = OwnerMaker(random.Random(5))
    for male in (True, False):
        number = maker.id_number(male)
        assert id_number_problem(number) is None
        assert maker.hash_of(number) == id_number_hash(number)
