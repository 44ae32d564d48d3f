"""Questionnaires: save, move their status, and a household's response."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.scoping import require_manage
from governance.services import audit

from ..choices import (
    QUESTIONNAIRE_TRANSITIONS,
    SCALE_VALUES,
    QuestionKind,
    QuestionnaireStatus,
    SubmissionChannel,
)
from ..models import ANSWER_TEXT_MAX, Answer, Questionnaire, QuestionOption, Response


def questionnaire_save(*, questionnaire, actor, questions=None):
    """Create or change a draft questionnaire; `questions`, when given, is a list of
    (Question, [option texts]) that replaces its questions. Refuses a questionnaire already
    published, a choice question with fewer than two options, and a project that does not include
    the neighbourhood."""
    errors = {}
    if (
        questionnaire.project_id
        and not questionnaire.project.neighbourhoods.filter(pk=questionnaire.neighbourhood_id).exists()
    ):
        errors["project"] = _("该小区不在所选项目内。")
    for number, (question, options) in enumerate(questions or (), start=1):
        if (
            question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
            and len([o for o in options if o.strip()]) < 2
        ):
            errors.setdefault("questions", []).append(
                _("第%(n)d题为选择题，至少需要两个选项。") % {"n": number}
            )
        if not (question.text or "").strip():
            errors.setdefault("questions", []).append(_("第%(n)d题没有题目。") % {"n": number})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        require_manage(actor, questionnaire.neighbourhood)
        if questionnaire.pk:
            stored = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
            if stored.status != QuestionnaireStatus.DRAFT and questions is not None:
                raise ValidationError(_("问卷已发布，不能再修改题目。"))
        else:
            questionnaire.created_by = actor
        questionnaire.full_clean()
        created = questionnaire.pk is None
        questionnaire.save()
        if questions is not None:
            questionnaire.questions.all().delete()
            for order, (question, options) in enumerate(questions, start=1):
                question.pk, question.questionnaire, question.order = None, questionnaire, order
                question.save()
                if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                    QuestionOption.objects.bulk_create(
                        QuestionOption(question=question, order=i, text=text.strip())
                        for i, text in enumerate([o for o in options if o.strip()], start=1)
                    )
        audit(
            actor=actor,
            action="questionnaire_add" if created else "questionnaire_change",
            target=questionnaire,
            summary=questionnaire.title,
        )
    return questionnaire


def questionnaire_set_status(*, questionnaire, status, actor, now=None):
    """Publish (draft → open) or close (open → closed) a questionnaire; refuses any move
    QUESTIONNAIRE_TRANSITIONS does not list and publishing one without questions."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        require_manage(actor, locked)
        if status not in QUESTIONNAIRE_TRANSITIONS[locked.status]:
            raise ValidationError(
                _("问卷不能从“%(a)s”变为“%(b)s”。")
                % {"a": locked.get_status_display(), "b": QuestionnaireStatus(status).label}
            )
        if status == QuestionnaireStatus.OPEN:
            if not locked.questions.exists():
                raise ValidationError(_("问卷没有题目，不能发布。"))
            locked.opened_at = now
        else:
            locked.closed_at = now
        locked.status = status
        locked.save(update_fields=["status", "opened_at", "closed_at"])
        audit(actor=actor, action="questionnaire_status", target=locked, summary=status)
    return locked


def _clean_answers(questions, answers):
    """{question id: value} → {question id: (option ids, text, scale)}; every problem named by its
    question number."""
    cleaned, errors = {}, []
    for number, question in enumerate(questions, start=1):
        value = answers.get(question.pk)
        empty = value in (None, "", [], ())
        if empty:
            if question.required:
                errors.append(_("第%(n)d题为必答题。") % {"n": number})
            continue
        option_ids = {o.pk for o in question.options.all()}
        if question.kind == QuestionKind.SINGLE:
            try:
                chosen = [int(value[0] if isinstance(value, (list, tuple)) else value)]
            except (TypeError, ValueError):
                chosen = [None]
            if (
                len(value if isinstance(value, (list, tuple)) else [value]) != 1
                or chosen[0] not in option_ids
            ):
                errors.append(_("第%(n)d题须选择一个选项。") % {"n": number})
                continue
            cleaned[question.pk] = (chosen, "", None)
        elif question.kind == QuestionKind.MULTIPLE:
            try:
                chosen = sorted({int(v) for v in (value if isinstance(value, (list, tuple)) else [value])})
            except (TypeError, ValueError):
                chosen = [None]
            if not set(chosen) <= option_ids:
                errors.append(_("第%(n)d题的选项无效。") % {"n": number})
                continue
            cleaned[question.pk] = (chosen, "", None)
        elif question.kind == QuestionKind.SCALE:
            try:
                scale = int(value)
            except (TypeError, ValueError):
                scale = None
            if scale not in SCALE_VALUES:
                errors.append(_("第%(n)d题须评1至5分。") % {"n": number})
                continue
            cleaned[question.pk] = ([], "", scale)
        else:
            text = str(value).strip()
            if len(text) > ANSWER_TEXT_MAX:
                errors.append(_("第%(n)d题的回答不能超过%(max)d字。") % {"n": number, "max": ANSWER_TEXT_MAX})
                continue
            if text:
                cleaned[question.pk] = ([], text, None)
            elif question.required:
                errors.append(_("第%(n)d题为必答题。") % {"n": number})
    if errors:
        raise ValidationError({"answers": errors})
    return cleaned


def response_submit(
    *, questionnaire, household, answers, channel=SubmissionChannel.ONLINE, actor=None, now=None
):
    """A household's answers ({question id: option id(s), text or score}). A household has one
    response; submitting again replaces its answers until the questionnaire closes. Offline
    channels are entered by staff who manage the household. Refuses: a questionnaire not open; a
    household of another neighbourhood; a required question unanswered; an option of another
    question; a score outside 1–5; over-long text — every problem at once."""
    now = now or timezone.now()
    if household.neighbourhood_id != questionnaire.neighbourhood_id:
        raise ValidationError({"household": _("该住户不在本问卷的小区内。")})
    questions = list(questionnaire.questions.prefetch_related("options").order_by("order"))
    cleaned = _clean_answers(questions, answers)
    if channel != SubmissionChannel.ONLINE:
        require_manage(actor, household)
    entered_by = actor if channel != SubmissionChannel.ONLINE else None
    with transaction.atomic():
        locked = Questionnaire.objects.select_for_update(no_key=True).get(pk=questionnaire.pk)
        if locked.status != QuestionnaireStatus.OPEN:
            raise ValidationError(_("该问卷当前不接受填写。"))
        response = (
            Response.objects.select_for_update().filter(questionnaire=locked, household=household).first()
        )
        if response is None:
            response = Response.objects.create(
                questionnaire=locked,
                household=household,
                channel=channel,
                entered_by=entered_by,
                submitted_at=now,
            )
        else:
            response.channel, response.entered_by, response.submitted_at = channel, entered_by, now
            response.revisions += 1
            response.save(update_fields=["channel", "entered_by", "submitted_at", "revisions"])
            response.answers.all().delete()
        made = Answer.objects.bulk_create(
            Answer(response=response, question_id=qid, text=text, scale=scale)
            for qid, (option_ids, text, scale) in cleaned.items()
        )
        through = Answer.options.through
        through.objects.bulk_create(
            through(answer_id=answer.pk, questionoption_id=oid)
            for answer in made
            for oid in cleaned[answer.question_id][0]
        )
        audit(
            actor=actor,
            action="response_submit",
            target=response,
            summary=locked.title,
            details={"household": household.pk, "channel": channel, "revisions": response.revisions},
        )
    return response
