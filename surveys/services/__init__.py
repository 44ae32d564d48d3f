"""Writes of the surveys app, one module a sub-domain (votes, steps, meetings, opinions, demand, plans,
questionnaires). Each service: keyword-only arguments, an explicit actor (None for a resident identified
by the household code), one transaction, an audit row. This package keeps the names callers import."""

from ..models import ANSWER_TEXT_MAX, DEMAND_TEXT_MAX
from .demand import (
    RECEIPT_ALPHABET,
    _receipt,
    demand_list_intro_set,
    demand_lists_open,
    demand_submit,
    demand_submit_quick,
)
from .meetings import MEETING_FIELDS, MEETING_PHOTOS_MAX, meeting_photo_add, meeting_save, visit_save
from .opinions import opinion_answer, opinion_record, opinion_save
from .plans import (
    PLAN_DOCUMENT_EXTENSIONS,
    PLAN_DOCUMENT_MAX_BYTES,
    PLAN_NOTICE_DAYS,
    plan_notice_publish,
    plan_seed_from_demand,
    plan_version_save,
)
from .questionnaires import questionnaire_save, questionnaire_set_status, response_submit
from .steps import (
    BUILTIN_STEPS,
    BUILTIN_TEMPLATE,
    _move_step,
    builtin_template,
    down_step_evidence,
    ensure_builtin_template,
    process_start,
    step_complete,
    step_review,
    template_save,
)
from .votes import ballot_cast, vote_close, vote_open, vote_save

__all__ = [
    "ANSWER_TEXT_MAX", "BUILTIN_STEPS", "BUILTIN_TEMPLATE", "DEMAND_TEXT_MAX", "MEETING_FIELDS",
    "MEETING_PHOTOS_MAX", "PLAN_DOCUMENT_EXTENSIONS", "PLAN_DOCUMENT_MAX_BYTES", "PLAN_NOTICE_DAYS", "RECEIPT_ALPHABET",
    "_move_step", "_receipt", "ballot_cast", "builtin_template",
    "demand_list_intro_set", "demand_lists_open", "demand_submit", "demand_submit_quick", "down_step_evidence",
    "ensure_builtin_template", "meeting_photo_add", "meeting_save", "opinion_answer", "opinion_record",
    "opinion_save", "plan_notice_publish", "plan_seed_from_demand", "plan_version_save", "process_start",
    "questionnaire_save", "questionnaire_set_status", "response_submit", "step_complete", "step_review",
    "template_save", "visit_save", "vote_close", "vote_open", "vote_save",
]
