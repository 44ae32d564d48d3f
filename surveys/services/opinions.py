"""Opinions collected in a consultation, and their answers."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.scoping import require_manage
from governance.services import audit, save_audited

from ..choices import OpinionAnswer
from ..models import Opinion
from .steps import _check_in_process


def opinion_save(*, opinion, actor):
    """Record an opinion collected by staff (any source). Its answer is given by opinion_answer."""
    if opinion.household_id and not opinion.neighbourhood_id:
        opinion.neighbourhood_id = opinion.household.neighbourhood_id
    _check_in_process(opinion.process, step=opinion.step, neighbourhood_id=opinion.neighbourhood_id)
    if opinion.household_id and opinion.household.neighbourhood_id != opinion.neighbourhood_id:
        raise ValidationError({"household": _("该住户不在所选小区内。")})
    if not (opinion.text or "").strip():
        raise ValidationError({"text": _("请填写意见内容。")})
    with transaction.atomic():
        require_manage(actor, opinion.neighbourhood)
        if opinion.pk is None:
            opinion.answer, opinion.answer_text = OpinionAnswer.PENDING, ""
        save_audited(
            opinion,
            actor=actor,
            action="opinion_add" if opinion.pk is None else "opinion_change",
            summary=opinion.text[:100],
        )
    return opinion


def opinion_answer(*, opinion, answer, actor, answer_text=""):
    """Answer an opinion: adopted, partly adopted, not adopted (with the reason) or explained (with
    the explanation). Only "adopted" may go without a text. An answer may be revised."""
    answer_text = (answer_text or "").strip()
    if answer not in OpinionAnswer.values or answer == OpinionAnswer.PENDING:
        raise ValidationError({"answer": _("请选择答复结果。")})
    if answer != OpinionAnswer.ADOPTED and not answer_text:
        raise ValidationError(
            {"answer_text": _("“%(a)s”须写明理由或说明。") % {"a": OpinionAnswer(answer).label}}
        )
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        require_manage(actor, locked)
        locked.answer, locked.answer_text = answer, answer_text
        locked.answered_by, locked.answered_at = actor, timezone.now()
        locked.save(update_fields=["answer", "answer_text", "answered_by", "answered_at"])
        audit(actor=actor, action="opinion_answer", target=locked, summary=f"{answer}: {answer_text[:80]}")
    return locked


OPINION_COLLECTED_FIELDS = {"process", "step", "neighbourhood", "household", "source", "text"}


def opinion_record(*, opinion, changed, actor):
    """An opinion page's write, `changed` naming the fields edited: a new opinion, or one whose
    collected fields changed, goes through opinion_save; an answer given (not pending) whose fields
    changed, through opinion_answer. One transaction."""
    answer, answer_text = opinion.answer, opinion.answer_text
    changed = set(changed)
    with transaction.atomic():
        if opinion.pk is None or OPINION_COLLECTED_FIELDS & changed:
            opinion = opinion_save(opinion=opinion, actor=actor)
        if answer != OpinionAnswer.PENDING and {"answer", "answer_text"} & changed:
            opinion_answer(opinion=opinion, answer=answer, answer_text=answer_text, actor=actor)
    return opinion
