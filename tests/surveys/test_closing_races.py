"""Closing against writes in flight, on PostgreSQL with real concurrent transactions: a demand list
closed by D1, a vote closed and counted, a questionnaire closed. Whatever commits second, nothing
is stored after the close, and a vote's stored tally equals a recount.

Each writer runs in its own thread (its own connection) inside a transaction the test can hold
open; `blocked_by` asks PostgreSQL which backend a waiting one waits for, so "the close waits"
is observed, not guessed from a sleep."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from surveys.choices import BallotChoice, QuestionnaireStatus, VoteStatus
from surveys.models import Ballot, DemandList, DemandSubmission, Response, Vote
from surveys.services import (
    ballot_cast,
    demand_submit,
    questionnaire_set_status,
    response_submit,
    step_complete,
    vote_close,
)
from surveys.tally import tally

from .helpers import neighbourhood_with
from .helpers_races import collecting_in_n111

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions"),
    pytest.mark.django_db(transaction=True),
]

WAIT = 10  # seconds: a bound for every wait, so a regression fails instead of hanging


class Writer(threading.Thread):
    """Runs `work` in a transaction of its own connection; with hold=True the transaction stays
    open after `work` returns, until `release()`. `result` or `error` tell how it ended."""

    def __init__(self, work, *, hold=False):
        super().__init__(daemon=True)
        self.work, self.hold = work, hold
        self.pid = None
        self.result = self.error = None
        self.started_work = threading.Event()
        self.worked = threading.Event()
        self._release = threading.Event()

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started_work.set()
            with transaction.atomic():
                self.result = self.work()
                self.worked.set()
                if self.hold:
                    self._release.wait(WAIT * 3)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc
        finally:
            self.started_work.set()
            self.worked.set()
            connections.close_all()

    def begin(self):
        self.start()
        assert self.started_work.wait(WAIT)
        return self

    def release(self):
        self._release.set()

    def finish(self):
        self.release()
        self.join(WAIT)
        assert not self.is_alive(), "the writer did not finish"
        return self


def blocked_by(waiter, holder):
    """True once `waiter`'s backend waits for a lock that `holder`'s backend holds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_blocking_pids(%s)", [waiter.pid])
            if holder.pid in (cursor.fetchone()[0] or []):
                return True
        if not waiter.is_alive():
            return False
        time.sleep(0.05)
    return False


def held(work):
    """A writer that has done `work` and keeps its transaction open."""
    writer = Writer(work, hold=True).begin()
    assert writer.worked.wait(WAIT)
    assert writer.error is None, writer.error
    return writer


@contextmanager
def held_open(work):
    """`held(work)`, released on the way out however the block ends."""
    writer = held(work)
    try:
        yield writer
    finally:
        writer.release()


def waits_on(holder, work, why):
    """Starts `work` in a writer of its own while `holder` keeps its transaction open, asserts that
    it waits for a lock `holder` holds (`why` says what it would mean if not), then lets both
    finish, `holder` first. Returns the finished second writer."""
    waiter = Writer(work).begin()
    assert blocked_by(waiter, holder), why
    holder.finish()
    return waiter.finish()


@pytest.fixture
def collecting(territory, users):
    process, demand_list = collecting_in_n111(territory, users)
    households = list(territory.n111.households.order_by("pk"))
    return process.steps.get(code="D1"), demand_list, households


def roads():
    from projects.models import CatalogueItem

    return [CatalogueItem.objects.get(code="roads")]


# ---- demand lists ----------------------------------------------------------------------------


def _completing(d1, users):
    """Work that completes step D1 (which closes the demand lists)."""
    return lambda: step_complete(step=d1, actor=users.community)


def _submit(demand_list, household):
    """Work that submits `household`'s demand (roads) through the service."""
    return lambda: demand_submit(demand_list=demand_list, household=household, items=roads())


def test_closing_the_demand_list_waits_for_a_submission_in_flight(collecting, users):
    d1, demand_list, hs = collecting
    with held_open(_submit(demand_list, hs[0])) as submitting:
        # Submissions of one neighbourhood do not wait for each other.
        other = Writer(_submit(demand_list, hs[1]))
        other.begin().join(WAIT)
        assert not other.is_alive() and other.error is None, other.error

        closing = waits_on(
            submitting,
            _completing(d1, users),
            "D1 closed the list under a submission in flight",
        )
        assert closing.error is None, closing.error

    demand_list.refresh_from_db()
    assert not demand_list.is_open
    landed = DemandSubmission.objects.filter(demand_list=demand_list)
    assert sorted(landed.values_list("household_id", flat=True)) == [hs[0].pk, hs[1].pk]
    assert all(s.submitted_at <= demand_list.closed_at for s in landed)
    with pytest.raises(ValidationError, match="本小区的需求清单征集已经结束"):
        demand_submit(demand_list=demand_list, household=hs[2], items=roads())
    assert not DemandSubmission.objects.filter(household=hs[2]).exists()


def test_a_submission_that_waited_on_the_close_is_refused(collecting, users):
    d1, demand_list, hs = collecting
    demand_submit(demand_list=demand_list, household=hs[0], items=roads())  # D1's evidence
    with held_open(_completing(d1, users)) as closing:
        submitting = waits_on(
            closing,
            _submit(demand_list, hs[1]),
            "a submission read the list open while it was closing",
        )
    assert isinstance(submitting.error, ValidationError)
    assert "本小区的需求清单征集已经结束" in submitting.error.messages[0]
    assert not DemandSubmission.objects.filter(household=hs[1]).exists()
    assert DemandList.objects.get(pk=demand_list.pk).is_open is False


def _quick(demand_list, household):
    """The resident page's quick path (demand_submit_quick) for `household`, choosing roads."""
    from surveys.services import demand_submit_quick

    household.refresh_from_db()
    return lambda: demand_submit_quick(
        list_pk=demand_list.pk,
        household_pk=household.pk,
        code_check=household.access_code_hash[:16],
        item_pks=[roads()[0].pk],
        text="",
    )


def test_the_quick_path_holds_the_close_and_waits_on_it_as_the_service_does(collecting, users):
    from residents.services import household_code_issue_one

    d1, demand_list, hs = collecting
    for household in hs[:2]:
        household_code_issue_one(household=household, actor=users.community)
    demand_submit(demand_list=demand_list, household=hs[2], items=roads())  # D1's evidence
    with held_open(_quick(demand_list, hs[0])) as submitting:
        closing = waits_on(
            submitting,
            _completing(d1, users),
            "D1 closed the list under a quick submission in flight",
        )
    assert submitting.result and closing.error is None, closing.error
    # A quick submission that waits on a close reads the list closed and writes nothing.
    late = Writer(_quick(demand_list, hs[1])).begin()
    late.join(WAIT)
    assert late.error is None and late.result is None
    assert sorted(DemandSubmission.objects.values_list("household_id", flat=True)) == sorted([hs[0].pk, hs[2].pk])


# ---- votes -----------------------------------------------------------------------------------


@pytest.fixture
def vote_place(territory, users):
    from .helpers import open_vote

    n, _, hs = neighbourhood_with(territory.c11, [("50.00", "a"), ("60.00", "b"), ("70.00", "c")])
    vote = open_vote(n, users.community)
    ballot_cast(vote=vote, household=hs[0], choice=BallotChoice.AGREE)
    return vote, hs


def assert_stored_tally_is_a_recount(vote):
    vote = Vote.objects.get(pk=vote.pk)
    assert vote.status == VoteStatus.CLOSED
    assert vote.result == tally(vote).to_dict()
    return vote


def _casting(vote, household, choice):
    """Work that casts `household`'s ballot."""
    return lambda: ballot_cast(vote=vote, household=household, choice=choice)


def _closing_vote(vote, users):
    """Work that closes and counts `vote` at its closing time."""
    return lambda: vote_close(vote=vote, actor=users.community, now=vote.closes_at)


def test_closing_a_vote_waits_for_a_ballot_in_flight_and_counts_it(vote_place, users):
    vote, hs = vote_place
    with held_open(_casting(vote, hs[1], BallotChoice.DISAGREE)) as casting:
        closing = waits_on(
            casting, _closing_vote(vote, users), "the vote was counted under a ballot in flight"
        )
    assert closing.error is None, closing.error
    closed = assert_stored_tally_is_a_recount(vote)
    assert closed.result["voting_flats"] == 2 and closed.result["disagree_area"] == "60.00"
    with pytest.raises(ValidationError, match="不在表决期内"):
        ballot_cast(vote=vote, household=hs[2], choice=BallotChoice.AGREE)
    assert Ballot.objects.filter(vote=vote).count() == 2


def test_a_ballot_that_waited_on_the_close_is_refused_and_not_stored(vote_place, users):
    vote, hs = vote_place
    with held_open(_closing_vote(vote, users)) as closing:
        casting = waits_on(
            closing,
            _casting(vote, hs[1], BallotChoice.AGREE),
            "a ballot read the vote open while it was being counted",
        )
    assert isinstance(casting.error, ValidationError)
    assert "不在表决期内" in casting.error.messages[0]
    assert not Ballot.objects.filter(vote=vote, household=hs[1]).exists()
    closed = assert_stored_tally_is_a_recount(vote)
    assert closed.result["voting_flats"] == 1


# ---- questionnaires --------------------------------------------------------------------------


@pytest.fixture
def open_questionnaire(territory, users):
    from surveys.choices import QuestionKind
    from surveys.models import Question, Questionnaire
    from surveys.services import questionnaire_save

    q = questionnaire_save(
        questionnaire=Questionnaire(neighbourhood=territory.n111, title="停车需求调查"),
        actor=users.community,
        questions=[(Question(text="对现状的满意度", kind=QuestionKind.SCALE), [])],
    )
    q = questionnaire_set_status(questionnaire=q, status=QuestionnaireStatus.OPEN, actor=users.community)
    question = q.questions.get()
    return q, question, list(territory.n111.households.order_by("pk"))


def _answering(q, question, household):
    """Work that submits `household`'s response (4 to the one question)."""
    return lambda: response_submit(questionnaire=q, household=household, answers={question.pk: 4})


def _closing_questionnaire(q, users):
    """Work that closes questionnaire `q`."""
    return lambda: questionnaire_set_status(
        questionnaire=q, status=QuestionnaireStatus.CLOSED, actor=users.community
    )


def test_closing_a_questionnaire_waits_for_a_response_in_flight(open_questionnaire, users):
    q, question, hs = open_questionnaire
    with held_open(_answering(q, question, hs[0])) as answering:
        closing = waits_on(
            answering, _closing_questionnaire(q, users), "the questionnaire closed under a response in flight"
        )
    assert closing.error is None, closing.error
    response = Response.objects.get(questionnaire=q)
    assert response.household_id == hs[0].pk and response.submitted_at <= closing.result.closed_at
    with pytest.raises(ValidationError, match="不接受填写"):
        response_submit(questionnaire=q, household=hs[1], answers={question.pk: 2})


def test_a_response_that_waited_on_the_close_is_refused(open_questionnaire, users):
    q, question, hs = open_questionnaire
    with held_open(_closing_questionnaire(q, users)) as closing:
        answering = waits_on(
            closing,
            _answering(q, question, hs[0]),
            "a response read the questionnaire open while it closed",
        )
    assert isinstance(answering.error, ValidationError)
    assert "不接受填写" in answering.error.messages[0]
    assert not Response.objects.filter(questionnaire=q).exists()
