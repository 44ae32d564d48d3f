"""Reads of the surveys app, one per screen or endpoint."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import WorkClass
from projects.models import CatalogueItem
from residents.models import Household

from .choices import (
    ADOPTED_ANSWERS,
    SCALE_VALUES,
    Direction,
    OpinionAnswer,
    QuestionKind,
    QuestionnaireStatus,
    StepStatus,
    VoteScope,
    VoteStatus,
)
from .models import (
    Answer,
    Ballot,
    ConsultationStep,
    DemandList,
    DemandSubmission,
    Opinion,
    Questionnaire,
    Response,
    Vote,
)


@dataclass
class OpinionCount:
    code: str
    name: str
    collected: int = 0
    adopted: int = 0
    not_adopted: int = 0
    explained: int = 0
    pending: int = 0

    @property
    def summary(self):
        return _("收集意见 %(n)d 条，采纳 %(m)d 条") % {"n": self.collected, "m": self.adopted}


@dataclass
class OpinionCounts:
    total: OpinionCount
    steps: list = field(default_factory=list)


def opinion_counts(process):
    """ "收集 N 条，采纳 M 条" per step and for the whole process (adopted = adopted or partly
    adopted); opinions recorded without a step count in the total only. Two queries: the steps,
    and the opinions counted per step in one aggregate."""
    steps = [
        OpinionCount(code, name) for code, name in process.steps.order_by("order").values_list("code", "name")
    ]
    by_code = {s.code: s for s in steps}
    rows = (
        Opinion.objects.filter(process=process)
        .order_by()
        .values("step__code")
        .annotate(
            collected=Count("pk"),
            adopted=Count("pk", filter=Q(answer__in=ADOPTED_ANSWERS)),
            not_adopted=Count("pk", filter=Q(answer=OpinionAnswer.NOT_ADOPTED)),
            explained=Count("pk", filter=Q(answer=OpinionAnswer.EXPLAINED)),
            pending=Count("pk", filter=Q(answer=OpinionAnswer.PENDING)),
        )
    )
    total = OpinionCount("", _("合计"))
    for row in rows:
        for target in (by_code.get(row["step__code"]), total):
            if target is None:
                continue
            for name in ("collected", "adopted", "not_adopted", "explained", "pending"):
                setattr(target, name, getattr(target, name) + row[name])
    return OpinionCounts(total=total, steps=steps)


@dataclass
class DemandRow:
    item_id: int
    code: str
    name: str
    work_class: str
    households: int
    share: Decimal  # of all households of the place, in percent, 1 decimal (display only)
    neighbourhood_id: int | None = None


@dataclass
class DemandAggregate:
    """Menu items ranked by the share of households that chose them (current submissions)."""

    households: int
    respondents: int
    rows: list

    @property
    def response_rate(self):
        return _percent(self.respondents, self.households)


def _percent(part, whole):
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _ranked(counts, households, neighbourhood_id=None):
    """DemandRows from {item id: households} (already aggregated: at most the menu's length),
    ranked by households, then the menu's class and order. One query for the items' names."""
    items = CatalogueItem.objects.filter(pk__in=counts).values(
        "pk", "code", "name", "work_class", "sort_order"
    )
    rank = {value: i for i, value in enumerate(WorkClass.values)}
    ordered = sorted(
        items, key=lambda i: (-counts[i["pk"]], rank.get(i["work_class"], 9), i["sort_order"], i["code"])
    )
    return [
        DemandRow(
            i["pk"],
            i["code"],
            i["name"],
            i["work_class"],
            counts[i["pk"]],
            _percent(counts[i["pk"]], households),
            neighbourhood_id,
        )
        for i in ordered
    ]


def demand_aggregate(project, *, neighbourhood=None):
    """The ranking of a project's demand lists (or of one neighbourhood's): for each menu item
    the households whose current submission chose it, and their share of all the households of
    the project's neighbourhoods (of the neighbourhood). Ranked by households, then menu order.

    The counting is done by the database: one GROUP BY over the chosen items of the current
    submissions of the project's lists (the item ids only; names are read afterwards for the few
    dozen items), never a loop over submissions. Five queries whatever the size: the lists, the
    households, the respondents, the aggregate, the items' names."""
    lists = DemandList.objects.filter(project=project)
    if neighbourhood is not None:
        lists = lists.filter(neighbourhood=neighbourhood)
        households = Household.objects.filter(neighbourhood=neighbourhood).count()
    else:
        households = Household.objects.filter(neighbourhood__projects=project).count()
    list_ids = list(lists.values_list("pk", flat=True))
    respondents = DemandSubmission.objects.filter(demand_list_id__in=list_ids, is_current=True).count()
    counts = dict(
        DemandSubmission.items.through.objects.filter(
            demandsubmission__demand_list_id__in=list_ids, demandsubmission__is_current=True
        )
        .order_by()
        .values("catalogueitem_id")
        .annotate(n=Count("*"))
        .values_list("catalogueitem_id", "n")
    )
    return DemandAggregate(households=households, respondents=respondents, rows=_ranked(counts, households))


def demand_aggregate_by_neighbourhood(project):
    """The same ranking per neighbourhood of the project: {neighbourhood id: DemandAggregate}.
    Five queries: the neighbourhoods' households, the respondents per list, one aggregate grouped
    by (neighbourhood, item), the items' names, and the project's neighbourhoods."""
    neighbourhood_ids = list(project.neighbourhoods.values_list("pk", flat=True))
    totals = dict(
        Household.objects.filter(neighbourhood_id__in=neighbourhood_ids)
        .order_by()
        .values("neighbourhood_id")
        .annotate(n=Count("*"))
        .values_list("neighbourhood_id", "n")
    )
    respondents = dict(
        DemandSubmission.objects.filter(demand_list__project=project, is_current=True)
        .order_by()
        .values("demand_list__neighbourhood_id")
        .annotate(n=Count("*"))
        .values_list("demand_list__neighbourhood_id", "n")
    )
    grouped = {}
    for nid, item_id, n in (
        DemandSubmission.items.through.objects.filter(
            demandsubmission__demand_list__project=project, demandsubmission__is_current=True
        )
        .order_by()
        .values("demandsubmission__demand_list__neighbourhood_id", "catalogueitem_id")
        .annotate(n=Count("*"))
        .values_list("demandsubmission__demand_list__neighbourhood_id", "catalogueitem_id", "n")
    ):
        grouped.setdefault(nid, {})[item_id] = n
    items = {
        i["pk"]: i
        for i in CatalogueItem.objects.filter(
            pk__in={item_id for counts in grouped.values() for item_id in counts}
        ).values("pk", "code", "name", "work_class", "sort_order")
    }
    rank = {value: i for i, value in enumerate(WorkClass.values)}
    result = {}
    for nid in neighbourhood_ids:
        counts, households = grouped.get(nid, {}), totals.get(nid, 0)
        ordered = sorted(
            counts,
            key=lambda pk: (
                -counts[pk],
                rank.get(items[pk]["work_class"], 9),
                items[pk]["sort_order"],
                items[pk]["code"],
            ),
        )
        result[nid] = DemandAggregate(
            households=households,
            respondents=respondents.get(nid, 0),
            rows=[
                DemandRow(
                    pk,
                    items[pk]["code"],
                    items[pk]["name"],
                    items[pk]["work_class"],
                    counts[pk],
                    _percent(counts[pk], households),
                    nid,
                )
                for pk in ordered
            ],
        )
    return result


# ---- resident pages --------------------------------------------------------------------------


def _household_votes_q(household):
    """The votes whose scope holds `household`."""
    q = Q(scope=VoteScope.NEIGHBOURHOOD, neighbourhood_id=household.neighbourhood_id) | Q(
        scope=VoteScope.BUILDING, building_id=household.building_id
    )
    if household.stairwell_id:
        q |= Q(scope=VoteScope.STAIRWELL, stairwell_id=household.stairwell_id)
    return q


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


def household_demand_list(household, list_id, *, with_project=True):
    """The demand list `list_id` of the household's neighbourhood, or None, with its street (the
    district of its menu); with its project when the page shows it (a POST that is accepted reads
    only the rows it checks and writes, issue 14)."""
    lists = DemandList.objects.select_related("neighbourhood__community__street").order_by()
    if with_project:
        lists = lists.select_related("project")
    return next(iter(lists.filter(pk=list_id, neighbourhood_id=household.neighbourhood_id)[:1]), None)


def current_demand_submission(demand_list, household):
    """The household's current submission to `demand_list`, or None."""
    return DemandSubmission.objects.filter(
        demand_list=demand_list, household=household, is_current=True
    ).first()


def demand_menu(demand_list):
    """The menu a household chooses from: the active national items and its district's, grouped
    by class in menu order: [(class label, [items])]."""
    district_id = demand_list.neighbourhood.community.street.district_id
    items = CatalogueItem.objects.offered_in(district_id)
    groups = {value: [] for value in WorkClass.values}
    for item in items.order_by("sort_order", "code"):
        groups[item.work_class].append(item)
    return [(WorkClass(value).label, groups[value]) for value in WorkClass.values if groups[value]]


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


# ---- questionnaire results -------------------------------------------------------------------


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
    answered = dict(
        Answer.objects.filter(response__questionnaire=questionnaire)
        .order_by()
        .values("question_id")
        .annotate(n=Count("pk"))
        .values_list("question_id", "n")
    )
    through = Answer.options.through
    chosen = dict(
        through.objects.filter(answer__response__questionnaire=questionnaire)
        .order_by()
        .values("questionoption_id")
        .annotate(n=Count("pk"))
        .values_list("questionoption_id", "n")
    )
    scores = {}
    for qid, scale, n in (
        Answer.objects.filter(response__questionnaire=questionnaire, scale__isnull=False)
        .order_by()
        .values("question_id", "scale")
        .annotate(n=Count("pk"))
        .values_list("question_id", "scale", "n")
    ):
        scores.setdefault(qid, {})[scale] = n
    texts = {}
    if with_texts:
        for qid, text in (
            Answer.objects.filter(response__questionnaire=questionnaire)
            .exclude(text="")
            .order_by("question_id", "pk")
            .values_list("question_id", "text")
        ):
            texts.setdefault(qid, []).append(text)
    results = []
    for number, q in enumerate(questions, start=1):
        n = answered.get(q.pk, 0)
        result = QuestionResult(number, q.text, q.kind, q.required, n, texts=texts.get(q.pk, []))
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            result.options = [
                OptionResult(o.text, chosen.get(o.pk, 0), _percent(chosen.get(o.pk, 0), n))
                for o in q.options.all()
            ]
        elif q.kind == QuestionKind.SCALE:
            counts = scores.get(q.pk, {})
            result.options = [
                OptionResult(str(v), counts.get(v, 0), _percent(counts.get(v, 0), n)) for v in SCALE_VALUES
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


# ---- territory-wide reads (the officials' dashboards) -----------------------------------------


def demand_ranking(lists, submitted_before, households, limit=None):
    """The menu items chosen in the demand lists `lists` (a queryset), ranked as every demand
    ranking is (households, then the menu's class and order): for each item the households whose
    current submission to one of the lists, made before `submitted_before` (an aware datetime),
    chose it, and their share of `households`; the first `limit`.

    A household has one current submission a list, so an item's count is its current submissions;
    a household answering two of the lists (two projects in its neighbourhood) counts in each.
    Two queries: the lists' ids, then one GROUP BY over their submissions' items (the items' names
    in the same rows), never a loop over submissions. The ids are read first so that PostgreSQL
    plans the GROUP BY for the lists it has (a few: index scans; a city's: one pass over the
    table) rather than for a subquery it cannot size."""
    # Without lists, the id 0 (no row has it) keeps the GROUP BY, so the count of queries stays
    # the same whatever the data (an empty IN would skip the query).
    ids = list(lists.order_by().values_list("pk", flat=True)) or [0]
    rows = (
        DemandSubmission.items.through.objects.filter(
            demandsubmission__demand_list_id__in=ids,
            demandsubmission__is_current=True,
            demandsubmission__submitted_at__lt=submitted_before,
        )
        .order_by()
        .values(
            "catalogueitem_id",
            "catalogueitem__code",
            "catalogueitem__name",
            "catalogueitem__work_class",
            "catalogueitem__sort_order",
        )
        .annotate(n=Count("pk"))
    )
    rank = {value: i for i, value in enumerate(WorkClass.values)}
    ordered = sorted(
        rows,
        key=lambda r: (
            -r["n"],
            rank.get(r["catalogueitem__work_class"], 9),
            r["catalogueitem__sort_order"],
            r["catalogueitem__code"],
        ),
    )
    return [
        DemandRow(
            r["catalogueitem_id"],
            r["catalogueitem__code"],
            r["catalogueitem__name"],
            r["catalogueitem__work_class"],
            r["n"],
            _percent(r["n"], households),
        )
        for r in ordered[:limit]
    ]


def up_steps_awaiting_review(projects, opened_before):
    """The up steps (上) of the consultations of `projects` (a queryset) open since before
    `opened_before`: each waits for a department review (StepReview), oldest first, with its
    project."""
    return (
        ConsultationStep.objects.filter(
            direction=Direction.UP,
            status=StepStatus.OPEN,
            opened_at__lt=opened_before,
            process__project__in=projects.values("pk"),
        )
        .select_related("process__project")
        .order_by("opened_at", "pk")
    )
