"""The state tables of surveys/choices.py against the services: every move a table lists is one a
service makes, and every move it does not list is refused."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.errors import Refused
from surveys.choices import (
    QUESTIONNAIRE_TRANSITIONS,
    STEP_TRANSITIONS,
    VOTE_TRANSITIONS,
    MatterType,
    QuestionnaireStatus,
    ReviewDecision,
    StepStatus,
    VoteStatus,
)
from surveys.models import ConsultationStep, Questionnaire, Vote
from surveys.services import (
    _move_step,
    process_start,
    questionnaire_set_status,
    step_complete,
    step_review,
    vote_close,
    vote_open,
    vote_save,
)
from tests.projects.factories import ProjectFactory

from .helpers import saved_questionnaire
from .test_consultation import meet

LATER = datetime.timedelta(days=30)


def test_every_status_has_a_row_and_every_target_is_a_status():
    for table, statuses in (
        (VOTE_TRANSITIONS, VoteStatus),
        (QUESTIONNAIRE_TRANSITIONS, QuestionnaireStatus),
        (STEP_TRANSITIONS, StepStatus),
    ):
        assert set(table) == set(statuses)
        assert all(to in statuses and to != source for source, targets in table.items() for to in targets)


# ---- votes: vote_open moves to open, vote_close to closed; nothing moves back to draft ----------

VOTE_MOVES = {VoteStatus.OPEN: "vote_open", VoteStatus.CLOSED: "vote_close"}


def _vote_in(status, neighbourhood, actor):
    now = timezone.now()
    vote = Vote(
        title="表决",
        matter_type=MatterType.OTHER,
        neighbourhood=neighbourhood,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=7),
    )
    vote_save(vote=vote, actor=actor)
    if status != VoteStatus.DRAFT:
        vote_open(vote=vote, actor=actor)
    if status == VoteStatus.CLOSED:
        vote_close(vote=vote, actor=actor, now=now + LATER)
    return Vote.objects.get(pk=vote.pk)


def test_no_vote_service_moves_back_to_draft():
    assert not any(VoteStatus.DRAFT in targets for targets in VOTE_TRANSITIONS.values())
    assert set(VOTE_MOVES) == {to for targets in VOTE_TRANSITIONS.values() for to in targets}


@pytest.mark.django_db
@pytest.mark.parametrize("source, to", list(itertools.product(VoteStatus.values, VOTE_MOVES)))
def test_vote_moves_follow_the_table(territory, users, source, to):
    vote = _vote_in(source, territory.n111, users.community)
    assert vote.status == source
    if to == VoteStatus.OPEN:
        move = lambda: vote_open(vote=vote, actor=users.community)  # noqa: E731
    else:
        move = lambda: vote_close(vote=vote, actor=users.community, now=timezone.now() + LATER)  # noqa: E731
    if to in VOTE_TRANSITIONS[source]:
        assert move().status == to
    else:
        with pytest.raises(ValidationError):
            move()
        assert Vote.objects.get(pk=vote.pk).status == source


# ---- questionnaires: questionnaire_set_status makes every move --------------------------------


def _questionnaire_in(status, neighbourhood, actor):
    q = saved_questionnaire(neighbourhood, actor, opened=status != QuestionnaireStatus.DRAFT)
    if status == QuestionnaireStatus.CLOSED:
        questionnaire_set_status(questionnaire=q, status=QuestionnaireStatus.CLOSED, actor=actor)
    return Questionnaire.objects.get(pk=q.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source, to", list(itertools.product(QuestionnaireStatus.values, QuestionnaireStatus.values))
)
def test_questionnaire_moves_follow_the_table(territory, users, source, to):
    q = _questionnaire_in(source, territory.n111, users.community)
    assert q.status == source
    if to in QUESTIONNAIRE_TRANSITIONS[source]:
        assert questionnaire_set_status(questionnaire=q, status=to, actor=users.community).status == to
    else:
        with pytest.raises(ValidationError, match="问卷不能从"):
            questionnaire_set_status(questionnaire=q, status=to, actor=users.community)
        assert Questionnaire.objects.get(pk=q.pk).status == source


# ---- consultation steps: step_complete and step_review move them -------------------------------


def _statuses(process):
    return dict(ConsultationStep.objects.filter(process=process).values_list("code", "status"))


def _moves(before, after):
    return {(before[code], after[code]) for code in before if before[code] != after[code]}


@pytest.fixture
def process(territory, users):
    """A consultation started by community C11's staff on a project over n111."""
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    return process_start(project=project, actor=users.community)


@pytest.mark.django_db
def test_the_step_services_make_exactly_the_listed_moves(territory, users, process):
    steps = {s.code: s for s in process.steps.all()}
    actor = users.community

    def review(code, decision, comments=""):
        step_review(
            step=steps[code], decision=decision, department="区住建局", comments=comments, actor=actor
        )

    meet(process, steps["D1"], territory, actor)
    seen = set()
    for action in (
        lambda: step_complete(step=steps["D1"], actor=actor),  # D1 done, U1 opens
        lambda: review("U1", ReviewDecision.RETURNED, "补充需求"),  # U1 pending, D1 open again
        lambda: step_complete(step=steps["D1"], actor=actor),
        lambda: review("U1", ReviewDecision.APPROVED),  # U1 done, D2 opens
    ):
        before = _statuses(process)
        action()
        seen |= _moves(before, _statuses(process))
    listed = {(source, to) for source, targets in STEP_TRANSITIONS.items() for to in targets}
    assert seen == listed


@pytest.mark.django_db
def test_the_step_services_refuse_the_unlisted_moves(territory, users, process):
    steps = {s.code: s for s in process.steps.all()}
    actor = users.community
    unlisted = {
        (source, to)
        for source, to in itertools.product(StepStatus.values, StepStatus.values)
        if source != to and to not in STEP_TRANSITIONS[source]
    }
    assert unlisted == {(StepStatus.PENDING, StepStatus.DONE), (StepStatus.DONE, StepStatus.PENDING)}

    # pending → done: completing or approving a step not yet open.
    with pytest.raises(Refused):
        step_complete(step=steps["D2"], actor=actor)
    with pytest.raises(Refused):
        step_review(step=steps["U1"], decision=ReviewDecision.APPROVED, department="区住建局", actor=actor)
    # done → pending: returning an up step already approved.
    meet(process, steps["D1"], territory, actor)
    step_complete(step=steps["D1"], actor=actor)
    step_review(step=steps["U1"], decision=ReviewDecision.APPROVED, department="区住建局", actor=actor)
    before = _statuses(process)
    with pytest.raises(Refused):
        step_review(
            step=steps["U1"],
            decision=ReviewDecision.RETURNED,
            department="区住建局",
            comments="再议",
            actor=actor,
        )
    assert _statuses(process) == before

    # The one place every step status is written refuses both, whatever the caller checked.
    for code, to in (("U2", StepStatus.DONE), ("D1", StepStatus.PENDING)):
        step = ConsultationStep.objects.get(process=process, code=code)
        assert (step.status, to) in unlisted
        with pytest.raises(Refused, match="不能从"):
            _move_step(step, to)
    assert _statuses(process) == before
