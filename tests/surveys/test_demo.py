"""surveys.demo on the tiny scale (one consultation project: the resident story); the plan story
of a second consultation project is checked on the small seed (tests/dashboards/test_seed_demo.py)."""

import random

import pytest
from django.utils import timezone

from governance import demo as governance_demo
from governance.demo import DemoContext
from projects import demo as projects_demo
from residents import demo as residents_demo
from surveys import demo as surveys_demo
from surveys.choices import QuestionnaireStatus, StepStatus, VoteScope, VoteStatus
from governance.models import AuditEntry
from surveys.models import Ballot, DemandSubmission, Opinion, Response
from surveys.selectors import demand_aggregate, opinion_counts, resident_home
from surveys.tally import tally


@pytest.mark.django_db
def test_the_demo_seeds_the_resident_story_through_the_services(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext(scale="tiny", rng=random.Random(2001), write=lambda line: None)
    for module in (governance_demo, residents_demo, projects_demo, surveys_demo):
        module.seed(ctx)
    story = ctx.store["resident_story"]
    process = story["process"]
    assert [s.status for s in process.steps.order_by("order")][:2] == [StepStatus.OPEN, StepStatus.PENDING]
    assert story["demand_list"].is_open and story["neighbourhood"] == story["demand_list"].neighbourhood
    aggregate = demand_aggregate(process.project)
    assert aggregate.respondents == DemandSubmission.objects.count() > 0 and aggregate.rows
    assert opinion_counts(process).total.collected == 2
    assert Opinion.objects.filter(answer="pending").count() == 1  # a task for staff
    questionnaire = story["questionnaire"]
    assert questionnaire.status == QuestionnaireStatus.OPEN
    assert Response.objects.filter(questionnaire=questionnaire).exists()

    now = timezone.now()
    vote, to_close = story["vote"], story["vote_to_close"]
    assert vote.status == VoteStatus.OPEN and vote.opens_at <= now < vote.closes_at
    assert to_close.status == VoteStatus.OPEN and to_close.closes_at <= now
    assert to_close.scope == VoteScope.STAIRWELL and ctx.store["votes_to_close"] == [to_close]
    for v in (vote, to_close):
        ballots = Ballot.objects.filter(vote=v)
        assert ballots.exists() and all(v.opens_at <= b.at < v.closes_at for b in ballots)
        assert tally(v).conflicts == 0  # an owner of two flats voted alike: the vote can close
    # Every ballot, submission and response went through its service (one audit row each).
    assert AuditEntry.objects.filter(action="ballot_cast").count() == Ballot.objects.count()
    assert AuditEntry.objects.filter(action="demand_submit").count() == DemandSubmission.objects.count()
    assert AuditEntry.objects.filter(action="response_submit").count() == Response.objects.count()
    # A household that has done nothing finds all three open on its page.
    household = (
        story["neighbourhood"].households.exclude(demand_submissions__isnull=False)
        .exclude(ballots__isnull=False)
        .exclude(responses__isnull=False)
        .first()
    )
    lists, votes, questionnaires = resident_home(household)
    assert (len(lists), len(votes), len(questionnaires)) == (1, 1, 1)
