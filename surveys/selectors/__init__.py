"""Reads of the surveys app, one per screen or endpoint, by sub-domain: consultation (opinions,
up steps), demand (the rankings and a household's list), votes, questionnaires (results) and home
(the resident's home page). Every read is importable from here, as callers do."""

from .consultation import OpinionCount, OpinionCounts, opinion_counts, up_steps_awaiting_review
from .demand import (
    DemandAggregate,
    DemandRow,
    current_demand_submission,
    demand_aggregate,
    demand_aggregate_by_neighbourhood,
    demand_menu,
    demand_ranking,
    household_demand_list,
)
from .home import resident_home
from .questionnaires import OptionResult, QuestionResult, questionnaire_results, questionnaire_results_table
from .votes import open_vote_for, public_vote, public_votes_of

__all__ = [
    "DemandAggregate",
    "DemandRow",
    "OpinionCount",
    "OpinionCounts",
    "OptionResult",
    "QuestionResult",
    "current_demand_submission",
    "demand_aggregate",
    "demand_aggregate_by_neighbourhood",
    "demand_menu",
    "demand_ranking",
    "household_demand_list",
    "open_vote_for",
    "opinion_counts",
    "public_vote",
    "public_votes_of",
    "questionnaire_results",
    "questionnaire_results_table",
    "resident_home",
    "up_steps_awaiting_review",
]
