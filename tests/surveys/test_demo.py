"""surveys.demo on the tiny scale: a process past U1, demand lists, a plan, an open vote."""

import random

import pytest

from governance import demo as governance_demo
from governance.demo import DemoContext
from projects import demo as projects_demo
from residents import demo as residents_demo
from surveys import demo as surveys_demo
from surveys.choices import StepStatus, VoteStatus
from surveys.models import Ballot, DemandSubmission, Opinion, PlanVersion
from surveys.selectors import demand_aggregate, opinion_counts
from surveys.tally import tally


@pytest.mark.django_db
def test_the_demo_seeds_a_consultation_with_demands_and_a_vote(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext(scale="tiny", rng=random.Random(2001), write=lambda line: None)
    for module in (governance_demo, residents_demo, projects_demo, surveys_demo):
        module.seed(ctx)
    process = ctx.store["consultation"]
    assert [s.status for s in process.steps.order_by("order")][:3] == [
        StepStatus.DONE,
        StepStatus.DONE,
        StepStatus.OPEN,
    ]
    assert all(not dl.is_open for dl in process.project.demand_lists.all())
    aggregate = demand_aggregate(process.project)
    assert aggregate.respondents == DemandSubmission.objects.count() > 0 and aggregate.rows
    assert PlanVersion.objects.filter(project=process.project).count() == 2
    assert opinion_counts(process).total.summary == "收集意见 4 条，采纳 2 条"
    assert Opinion.objects.filter(answer="pending").count() == 0
    vote = ctx.store["vote"]
    assert vote.status == VoteStatus.OPEN and Ballot.objects.filter(vote=vote).exists()
    result = tally(vote)
    assert result.conflicts == 0 and result.voting_owners > 0
