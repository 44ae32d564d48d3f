"""The admin of the surveys app: thin — every write calls a service, every list is scoped.

Staff enter offline input here: paper ballots, and demand lists and questionnaire responses from
paper forms, visits and meetings; the channel and their name (the logged-in user) are recorded by
the services. One module a sub-domain; importing the package registers every page."""

from .base import ServiceFormsetsMixin
from .demand import DemandListAdmin, DemandListOpenForm, DemandSubmissionAdmin, OfflineDemandForm
from .meetings import MeetingAdmin, MeetingPhotoInline, VisitAdmin
from .opinions import OpinionAdmin
from .plans import PlanItemInline, PlanVersionAdmin
from .questionnaires import QuestionInline, QuestionInlineForm, QuestionnaireAdmin, ResponseAdmin
from .steps import (
    ConsultationProcessAdmin,
    ConsultationStepAdmin,
    ProcessStartForm,
    ProcessTemplateAdmin,
    StepInline,
    StepReviewAdmin,
    StepReviewForm,
    TemplateStepInline,
)
from .votes import BallotAdmin, BallotInline, PaperBallotForm, VoteAdmin

__all__ = [
    "BallotAdmin", "BallotInline", "ConsultationProcessAdmin", "ConsultationStepAdmin", "DemandListAdmin",
    "DemandListOpenForm", "DemandSubmissionAdmin", "MeetingAdmin", "MeetingPhotoInline", "OfflineDemandForm",
    "OpinionAdmin", "PaperBallotForm", "PlanItemInline", "PlanVersionAdmin", "ProcessStartForm",
    "ProcessTemplateAdmin", "QuestionInline", "QuestionInlineForm", "QuestionnaireAdmin", "ResponseAdmin",
    "ServiceFormsetsMixin", "StepInline", "StepReviewAdmin", "StepReviewForm",
    "TemplateStepInline", "VisitAdmin", "VoteAdmin",
]

from .. import admin_reelections  # noqa: E402,F401  (re-elections tied to owners' votes)
