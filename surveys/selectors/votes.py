"""Reads of the owners' votes: the vote a household may cast a ballot in, and the public ones."""

from django.db.models import Q
from django.utils import timezone

from ..choices import VoteScope, VoteStatus
from ..models import Vote


def _household_votes_q(household):
    """The votes whose scope holds `household`."""
    q = Q(scope=VoteScope.NEIGHBOURHOOD, neighbourhood_id=household.neighbourhood_id) | Q(
        scope=VoteScope.BUILDING, building_id=household.building_id
    )
    if household.stairwell_id:
        q |= Q(scope=VoteScope.STAIRWELL, stairwell_id=household.stairwell_id)
    return q


def open_vote_for(household, vote_id, now=None):
    """The open vote `vote_id` if `household` may vote in it now, else None."""
    now = now or timezone.now()
    return (
        Vote.objects.filter(
            _household_votes_q(household),
            pk=vote_id,
            status=VoteStatus.OPEN,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .select_related("neighbourhood", "building", "stairwell__building", "project")
        .first()
    )


def public_vote(vote_id):
    """A vote as the public tally page shows it (any vote that has opened): no personal data."""
    return (
        Vote.objects.exclude(status=VoteStatus.DRAFT)
        .select_related("neighbourhood__community__street", "building", "stairwell__building", "project")
        .filter(pk=vote_id)
        .first()
    )


def public_votes_of(neighbourhood, limit=10):
    """The votes of a neighbourhood that have opened, newest first, for its public page (their
    tally pages are public): no personal data. One query."""
    return list(
        Vote.objects.exclude(status=VoteStatus.DRAFT)
        .filter(neighbourhood=neighbourhood)
        .select_related("neighbourhood", "building", "stairwell__building")
        .order_by("-opens_at", "-pk")[:limit]
    )
