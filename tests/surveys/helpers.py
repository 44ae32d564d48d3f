"""Builders for the surveys tests: flats with chosen areas and owners, votes through the service."""
import datetime
from decimal import Decimal

from django.utils import timezone

from residents.identity import id_number_hash
from surveys.choices import MatterType, VoteScope
from surveys.models import Vote
from surveys.services import vote_open, vote_save
from tests.factories import HouseholdFactory, NeighbourhoodFactory, StairwellFactory


def flats(stairwell, specs):
    """Flats in `stairwell` from (area, owner) pairs; owner "" means no owner hash."""
    made = []
    for i, (area, owner) in enumerate(specs):
        made.append(
            HouseholdFactory(
                stairwell=stairwell,
                room=f"r{i + 1}",
                floor_area=Decimal(area),
                owner_id_hash=id_number_hash(owner) if owner else "",
            )
        )
    return made


def neighbourhood_with(community, specs, name="表决里"):
    neighbourhood = NeighbourhoodFactory(community=community, name=name)
    stairwell = StairwellFactory(building__neighbourhood=neighbourhood, building__name="1栋", name="1单元")
    return neighbourhood, stairwell, flats(stairwell, specs)


def open_vote(neighbourhood, actor, *, matter=MatterType.RENOVATION_PLAN, scope=VoteScope.NEIGHBOURHOOD, **extra):
    now = timezone.now()
    vote = Vote(
        title="改造方案表决",
        matter_type=matter,
        scope=scope,
        neighbourhood=neighbourhood,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=7),
        **extra,
    )
    vote_save(vote=vote, actor=actor)
    return vote_open(vote=vote, actor=actor)
