"""The results of a questionnaire: counts and shares per question, for the page and the export."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from ..choices import SCALE_VALUES, QuestionKind
from ..models import Answer
from ._counting import grouped_counts, percent


@dataclass
class OptionResult:
    label: str
    count: int
    share: Decimal  # percent of the question's respondents


@dataclass
class QuestionResult:
    number: int
    text: str
    kind: str
    required: bool
    answered: int = 0
    options: list = field(default_factory=list)  # OptionResult for choices and for the scores 1–5
    mean: Decimal | None = None  # scale only, 2 decimals
    texts: list = field(default_factory=list)  # text answers (staff only: may hold personal words)


def questionnaire_results(questionnaire, *, with_texts=True):
    """Counts and shares for every question: options (single/multiple), scores 1–5 with the mean,
    the number answering, and (for staff) the text answers. Five queries whatever the number of
    responses: the questions with their options, answers per question, options chosen, scores,
    texts."""
    questions = list(questionnaire.questions.prefetch_related("options").order_by("order"))
    answers = Answer.objects.filter(response__questionnaire=questionnaire)
    answered = dict(grouped_counts(answers, "question_id", counted="pk"))
    chosen = dict(
        grouped_counts(
            Answer.options.through.objects.filter(answer__response__questionnaire=questionnaire),
            "questionoption_id",
            counted="pk",
        )
    )
    scores = {}
    scored = answers.filter(scale__isnull=False)
    for qid, scale, n in grouped_counts(scored, "question_id", "scale", counted="pk"):
        scores.setdefault(qid, {})[scale] = n
    texts = {}
    if with_texts:
        written = answers.exclude(text="").order_by("question_id", "pk")
        for qid, text in written.values_list("question_id", "text"):
            texts.setdefault(qid, []).append(text)
    results = []
    for number, q in enumerate(questions, start=1):
        n = answered.get(q.pk, 0)
        result = QuestionResult(number, q.text, q.kind, q.required, n, texts=texts.get(q.pk, []))
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            result.options = [
                OptionResult(o.text, chosen.get(o.pk, 0), percent(chosen.get(o.pk, 0), n))
                for o in q.options.all()
            ]
        elif q.kind == QuestionKind.SCALE:
            counts = scores.get(q.pk, {})
            result.options = [
                OptionResult(str(v), counts.get(v, 0), percent(counts.get(v, 0), n)) for v in SCALE_VALUES
            ]
            if n:
                total = sum(v * c for v, c in counts.items())
                result.mean = (Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        results.append(result)
    return results


def questionnaire_results_table(questionnaire):
    """The results as an export table: question, kind, option/score, count, share."""
    headers = [_("题号"), _("题目"), _("题型"), _("选项/分值"), _("人数"), _("占答题户比例(%)")]
    rows = []
    for r in questionnaire_results(questionnaire, with_texts=True):
        kind = QuestionKind(r.kind).label
        for option in r.options:
            rows.append([r.number, r.text, kind, option.label, option.count, option.share])
        if r.mean is not None:
            rows.append([r.number, r.text, kind, _("平均分"), r.answered, r.mean])
        for text in r.texts:
            rows.append([r.number, r.text, kind, text, 1, ""])
    return headers, rows
