"""The resident's home page: what the signed-in household can answer now."""

from django.db.models import Prefetch
from django.utils import timezone

from ..choices import QuestionnaireStatus, VoteStatus
from ..models import Ballot, DemandList, DemandSubmission, Questionnaire, Response, Vote
from .votes import _household_votes_q


def resident_home(household, now=None):
    """What the signed-in household can do now: its neighbourhood's open demand lists (with its
    current submission, if any), the open votes whose scope holds it (with its ballot) and the
    open questionnaires (with its response). Five queries."""
    now = now or timezone.now()
    lists = list(
        DemandList.objects.filter(neighbourhood_id=household.neighbourhood_id, is_open=True)
        .select_related("project")
        .prefetch_related(
            Prefetch(
                "submissions",
                queryset=DemandSubmission.objects.filter(household=household, is_current=True),
                to_attr="mine",
            )
        )
        .order_by("-opened_at")
    )
    votes = list(
        Vote.objects.filter(
            _household_votes_q(household), status=VoteStatus.OPEN, opens_at__lte=now, closes_at__gt=now
        )
        .select_related("neighbourhood", "building", "stairwell__building")
        .prefetch_related(
            Prefetch("ballots", queryset=Ballot.objects.filter(household=household), to_attr="mine")
        )
        .order_by("closes_at")
    )
    questionnaires = list(
        Questionnaire.objects.filter(
            neighbourhood_id=household.neighbourhood_id, status=QuestionnaireStatus.OPEN
        )
        .prefetch_related(
            Prefetch("responses", queryset=Response.objects.filter(household=household), to_attr="mine")
        )
        .order_by("-opened_at")
    )
    return lists, votes, questionnaires
