"""Consultation with residents: votes and ballots (业主共同决定), consultation processes, meetings,
opinions, demand lists, questionnaires and plan versions; one module a sub-domain, all in the app
`surveys` (the migrations are unchanged).

Territory. Every row reaches the territory through a neighbourhood (a vote's neighbourhood is
always set, also for a building or stairwell vote, so scoping needs no branch) or a household.

The upload paths (`_demand_photo_path`, ...) stay importable from here: the migrations name them so."""

from .demand import (
    DEMAND_PHOTOS_MAX,
    DEMAND_TEXT_MAX,
    DemandList,
    DemandPhoto,
    DemandSubmission,
    _demand_photo_path,
)
from .meetings import Meeting, MeetingPhoto, Visit, _meeting_photo_path
from .opinions import OPINION_TEXT_MAX, Opinion
from .plans import PlanItem, PlanVersion, _plan_document_path
from .questionnaires import ANSWER_TEXT_MAX, Answer, Question, Questionnaire, QuestionOption, Response
from .steps import ConsultationProcess, ConsultationStep, ProcessTemplate, StepReview, TemplateStep
from .votes import Ballot, Vote

__all__ = [
    "ANSWER_TEXT_MAX", "Answer", "Ballot", "ConsultationProcess", "ConsultationStep", "DEMAND_PHOTOS_MAX",
    "DEMAND_TEXT_MAX", "DemandList", "DemandPhoto", "DemandSubmission", "Meeting", "MeetingPhoto",
    "OPINION_TEXT_MAX", "Opinion", "PlanItem", "PlanVersion", "ProcessTemplate", "Question", "QuestionOption",
    "Questionnaire", "Response", "StepReview", "TemplateStep", "Visit", "Vote", "_demand_photo_path",
    "_meeting_photo_path", "_plan_document_path",
]

# Re-elections of bodies tied to their votes live in their own module.
from ..reelections import Reelection  # noqa: E402,F401
