"""The consultation page's figures: how residents took part (三下三上), what they asked for, what
was decided, and what waits for staff.

Definitions (docs/architecture.md, "Dashboards"), for the unit's neighbourhoods the actor sees:
- the consultation of the plan year: demand lists and opinions of the plan year's projects (as
  the overview counts them), questionnaires and votes of those projects or, tied to no project,
  opened in the plan year's calendar year; all of it opened by the as-of date;
- demand participation: households that submitted a demand list (any submission by the as-of date)
  ÷ the households of the neighbourhoods that have a demand list;
- questionnaire turnout: answers ÷ (households of its neighbourhood), summed over questionnaires;
- vote turnout: ballots cast by the as-of date ÷ the flats in each vote's scope (neighbourhood,
  building or stairwell), summed over the votes held; passed / failed: closed by the as-of date;
- the top demanded menu items: the households whose current submission (made by the as-of date)
  chose each item (a household answering two lists of the year, two projects in its neighbourhood,
  counts in each), and their share of the households of the neighbourhoods with a demand list;
- opinions collected by the as-of date, adopted (采纳 or 部分采纳) when answered so by then;
- waiting (today, whatever the as-of month: statuses carry no history): up steps open for longer
  than 7 days (a department review is due), notices with unanswered objections of the unit's
  households, supervision findings open for longer than 30 days, and projects under construction
  without last month's progress report; each with the admin page that settles it (read in
  figures/waiting.py).

The households of a neighbourhood are its stored total (governance.totals, kept equal to a count of
the rows by the services that write them); the flats of a building or a stairwell are counted.

A fixed number of queries whatever the size of the data (tests/dashboards/test_consultation_page.py).
"""

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from governance.scoping import territory_of
from residents.models import Household
from surveys.choices import ADOPTED_ANSWERS, MatterType, OpinionAnswer, VoteScope, VoteStatus
from surveys.models import Ballot, DemandList, DemandSubmission, Opinion, Questionnaire, Response, Vote
from surveys.selectors import demand_ranking

from .tables import Table, chart, unit_links
from .units import (
    CHILD_LEVEL,
    LEVEL_NAMES,
    NEIGHBOURHOOD,
    NEIGHBOURHOOD_LOOKUP,
    child_units,
    count_of,
    plan_projects,
    rate,
    scoped_neighbourhoods,
)
from .waiting import WAITING_KINDS, waiting_items

TOP_ITEMS = 10


def _rows_key(unit):
    """(level of the rows, the neighbourhood's lookup of it): the level below, or the
    neighbourhoods themselves at a neighbourhood or a project."""
    level = CHILD_LEVEL.get(unit.level, NEIGHBOURHOOD)
    return level, NEIGHBOURHOOD_LOOKUP[level]


def name_lookup(key):
    """The neighbourhood's lookup of the name of the row whose id `key` looks up
    ("community__street_id" -> "community__street__name"; "pk" -> "name")."""
    return "name" if key == "pk" else key.removesuffix("_id") + "__name"


def _via(prefix, key):
    """The lookup of the rows' key from a model reaching its neighbourhood by `prefix`."""
    return f"{prefix}_id" if key == "pk" else f"{prefix}__{key}"


def _of_year(period, opened):
    """Tied to a project of the plan year, or to no project and opened in its calendar year."""
    plan = plan_projects(period).values("pk")
    return Q(project__in=plan) | Q(project__isnull=True, **{f"{opened}__year": period.year})


def demand_participation(neighbourhoods, period, key):
    """Per row key: the row's name, households, households of neighbourhoods with a demand list of
    the plan year, households that submitted one. One query: the households are the neighbourhoods' stored totals
    (governance.totals, kept equal to a count of the rows), the neighbourhoods with a list an
    uncorrelated subquery, the submitters one correlated subquery per neighbourhood."""
    end = period.as_of_end
    plan = plan_projects(period).values("pk")
    listed = DemandList.objects.filter(project__in=plan, opened_at__lt=end).values("neighbourhood_id")
    submitters = (
        DemandSubmission.objects.filter(
            demand_list__neighbourhood=OuterRef("pk"),
            demand_list__project__in=plan,
            submitted_at__lt=end,
        )
        .order_by()
        .values("demand_list__neighbourhood")
        .annotate(n=Count("household", distinct=True))
        .values("n")
    )
    rows = (
        neighbourhoods.annotate(n_submitted=Coalesce(Subquery(submitters), 0, output_field=IntegerField()))
        .order_by()
        .values(key, row_name=F(name_lookup(key)))
        .annotate(
            households=Coalesce(Sum("household_count"), 0),
            list_households=Coalesce(Sum("household_count", filter=Q(pk__in=listed)), 0),
            submitted=Coalesce(Sum("n_submitted"), 0),
        )
    )
    return {row[key]: row for row in rows}


def questionnaire_turnout(neighbourhoods, period, key):
    """Per row key: questionnaires opened, their answers by the as-of date and their households.
    One query."""
    end = period.as_of_end
    rows = (
        Questionnaire.objects.filter(neighbourhood__in=neighbourhoods.values("pk"), opened_at__lt=end)
        .filter(_of_year(period, "opened_at"))
        .annotate(
            n_responses=count_of(Response.objects.filter(submitted_at__lt=end), "questionnaire"),
            n_households=F("neighbourhood__household_count"),
        )
        .order_by()
        .values(_via("neighbourhood", key))
        .annotate(questionnaires=Count("pk"), responses=Sum("n_responses"), households=Sum("n_households"))
    )
    return {row[_via("neighbourhood", key)]: row for row in rows}


def _scope_flats():
    """The flats in the outer vote's scope: its stairwell, building or neighbourhood."""
    return Case(
        When(scope=VoteScope.STAIRWELL, then=count_of(Household, "stairwell", outer="stairwell")),
        When(scope=VoteScope.BUILDING, then=count_of(Household, "building", outer="building")),
        default=F("neighbourhood__household_count"),
        output_field=IntegerField(),
    )


def vote_figures(neighbourhoods, period, key):
    """Per (row key, matter type): votes held, passed, failed, ballots cast and flats in scope, as
    of the as-of date. One query."""
    end = period.as_of_end
    closed = Q(closed_at__lt=end, status=VoteStatus.CLOSED)
    by = _via("neighbourhood", key)
    return list(
        Vote.objects.filter(neighbourhood__in=neighbourhoods.values("pk"), opens_at__lt=end)
        .exclude(status=VoteStatus.DRAFT)
        .filter(_of_year(period, "opens_at"))
        .annotate(n_ballots=count_of(Ballot.objects.filter(at__lt=end), "vote"), n_flats=_scope_flats())
        .order_by()
        .values(by, "matter_type")
        .annotate(
            votes_held=Count("pk"),
            votes_passed=Count("pk", filter=closed & Q(passed=True)),
            votes_failed=Count("pk", filter=closed & Q(passed=False)),
            ballots=Sum("n_ballots"),
            flats=Sum("n_flats"),
        )
        .values_list(by, "matter_type", "votes_held", "votes_passed", "votes_failed", "ballots", "flats")
    )


def opinion_figures(neighbourhoods, period, key):
    """Per row key: opinions of the plan year's consultations collected by the as-of date, and how
    they stood then (adopted, not adopted, explained, waiting for an answer). One query."""
    end = period.as_of_end
    answered = Q(answered_at__lt=end)
    by = _via("neighbourhood", key)
    rows = (
        Opinion.objects.filter(
            neighbourhood__in=neighbourhoods.values("pk"),
            created_at__lt=end,
            process__project__in=plan_projects(period).values("pk"),
        )
        .order_by()
        .values(by)
        .annotate(
            collected=Count("pk"),
            adopted=Count("pk", filter=answered & Q(answer__in=ADOPTED_ANSWERS)),
            not_adopted=Count("pk", filter=answered & Q(answer=OpinionAnswer.NOT_ADOPTED)),
            explained=Count("pk", filter=answered & Q(answer=OpinionAnswer.EXPLAINED)),
        )
    )
    return {row[by]: row for row in rows}


def top_items(neighbourhoods, period, households):
    """The TOP_ITEMS menu items most demanded in the plan year's demand lists (one query)."""
    lists = DemandList.objects.filter(
        neighbourhood__in=neighbourhoods.values("pk"),
        project__in=plan_projects(period).values("pk"),
        opened_at__lt=period.as_of_end,
    )
    return demand_ranking(lists, period.as_of_end, households, TOP_ITEMS)


# ---- the page ---------------------------------------------------------------------------------

ROW_FIELDS = (
    "households", "list_households", "submitted", "questionnaires", "responses", "q_households",
    "votes", "ballots", "flats", "collected", "adopted", "not_adopted", "explained",
)


def _with_rates(row):
    row["demand_rate"] = rate(row["submitted"], row["list_households"])
    row["questionnaire_rate"] = rate(row["responses"], row["q_households"])
    row["vote_rate"] = rate(row["ballots"], row["flats"])
    row["pending"] = row["collected"] - row["adopted"] - row["not_adopted"] - row["explained"]
    return row


def _participation_rows(neighbourhoods, period, key):
    """{row key: the row's name and counts}, from four aggregate queries; and the votes by matter
    type."""
    demand = demand_participation(neighbourhoods, period, key)
    questionnaires = questionnaire_turnout(neighbourhoods, period, key)
    opinions = opinion_figures(neighbourhoods, period, key)
    rows = {pk: {"name": d["row_name"], **dict.fromkeys(ROW_FIELDS, 0)} for pk, d in demand.items()}
    for pk, d in demand.items():
        rows[pk].update(households=d["households"], list_households=d["list_households"], submitted=d["submitted"])
    for pk, q in questionnaires.items():
        rows[pk].update(questionnaires=q["questionnaires"], responses=q["responses"], q_households=q["households"])
    for pk, o in opinions.items():
        rows[pk].update({name: o[name] for name in ("collected", "adopted", "not_adopted", "explained")})
    matters = {}
    for pk, matter, held, passed, failed, ballots, flats in vote_figures(neighbourhoods, period, key):
        row = rows[pk]
        row["votes"], row["ballots"], row["flats"] = row["votes"] + held, row["ballots"] + ballots, row["flats"] + flats
        total = matters.setdefault(matter, dict.fromkeys(("held", "passed", "failed", "ballots", "flats"), 0))
        for name, value in zip(("held", "passed", "failed", "ballots", "flats"), (held, passed, failed, ballots, flats)):
            total[name] += value
    return rows, matters


def consultation(actor, unit, period, limit=None):
    """Every figure of the consultation page of `unit`: a fixed number of queries (see the module's
    docstring for what is counted). `limit`: the waiting items shown of each kind (None: all)."""
    neighbourhoods = scoped_neighbourhoods(actor, unit)
    level, key = _rows_key(unit)
    counts, matters = _participation_rows(neighbourhoods, period, key)
    rows = [_with_rates({"level": level, "pk": pk, **figures}) for pk, figures in counts.items()]
    rows.sort(key=lambda row: row["name"])
    total = _with_rates({name: sum(row[name] for row in rows) for name in ROW_FIELDS})
    votes = []
    for matter in MatterType.values:
        if matter in matters:
            m = matters[matter]
            pending = m["held"] - m["passed"] - m["failed"]
            votes.append({"matter": matter, "name": MatterType(matter).label, **m, "open": pending,
                          "rate": rate(m["ballots"], m["flats"])})
    return {
        "rows_level": level,
        "rows": rows,
        "total": total,
        "votes": votes,
        "top_items": top_items(neighbourhoods, period, total["list_households"]),
        "waiting": waiting_items(neighbourhoods, limit, territory_of(actor).may_write()),
    }


# ---- tables -----------------------------------------------------------------------------------


def _participation_table(figures):
    rows = figures["rows"]
    return Table(
        "participation",
        _("居民参与"),
        [
            (LEVEL_NAMES[figures["rows_level"]], "text"),
            (_("户数(户)"), "int"),
            (_("有需求清单的小区户数(户)"), "int"),
            (_("提交需求清单(户)"), "int"),
            (_("需求清单参与率(%)"), "rate"),
            (_("问卷(份)"), "int"),
            (_("答卷(份)"), "int"),
            (_("问卷参与率(%)"), "rate"),
            (_("表决(次)"), "int"),
            (_("表决票(张)"), "int"),
            (_("表决参与率(%)"), "rate"),
        ],
        [
            [
                r["name"], r["households"], r["list_households"], r["submitted"], r["demand_rate"],
                r["questionnaires"], r["responses"], r["questionnaire_rate"], r["votes"], r["ballots"],
                r["vote_rate"],
            ]
            for r in rows
        ],
        links=unit_links(rows),
        note=_("参与率：提交需求清单户数÷有需求清单的小区户数；答卷÷各问卷所在小区户数之和；表决票÷各表决范围内户数之和。"),
        chart=chart(
            "bar",
            [r["name"] for r in rows],
            [
                (_("需求清单参与率(%)"), [r["demand_rate"] or 0 for r in rows]),
                (_("问卷参与率(%)"), [r["questionnaire_rate"] or 0 for r in rows]),
                (_("表决参与率(%)"), [r["vote_rate"] or 0 for r in rows]),
            ],
        ),
    )


def _top_items_table(figures):
    items = figures["top_items"]
    return Table(
        "top_items",
        _("居民需求最集中的改造内容"),
        [(_("改造内容"), "text"), (_("编码"), "text"), (_("提出需求(户)"), "int"), (_("占有需求清单小区户数(%)"), "rate")],
        [[item.name, item.code, item.households, item.share] for item in items],
        note=_("前%(n)d项，按当前有效的需求清单计。") % {"n": TOP_ITEMS},
        chart=chart("hbar", [item.name for item in items], [(_("提出需求(户)"), [item.households for item in items])]),
    )


def _opinions_table(figures):
    rows, total = figures["rows"], figures["total"]
    return Table(
        "opinions",
        _("意见建议"),
        [
            (LEVEL_NAMES[figures["rows_level"]], "text"),
            (_("收集(条)"), "int"),
            (_("采纳(条)"), "int"),
            (_("不予采纳(条)"), "int"),
            (_("解释说明(条)"), "int"),
            (_("待答复(条)"), "int"),
        ],
        [[r["name"], r["collected"], r["adopted"], r["not_adopted"], r["explained"], r["pending"]] for r in rows],
        links=unit_links(rows),
        note=_("收集 %(n)d 条，采纳 %(m)d 条（含部分采纳）。") % {"n": total["collected"], "m": total["adopted"]},
        chart=chart(
            "bar",
            [r["name"] for r in rows],
            [(_("收集(条)"), [r["collected"] for r in rows]), (_("采纳(条)"), [r["adopted"] for r in rows])],
        ),
    )


def _votes_table(figures):
    votes = figures["votes"]
    return Table(
        "votes",
        _("业主表决"),
        [
            (_("事项类型"), "text"),
            (_("表决(次)"), "int"),
            (_("通过(次)"), "int"),
            (_("未通过(次)"), "int"),
            (_("进行中(次)"), "int"),
            (_("表决票(张)"), "int"),
            (_("范围内户数(户)"), "int"),
            (_("参与率(%)"), "rate"),
        ],
        [[v["name"], v["held"], v["passed"], v["failed"], v["open"], v["ballots"], v["flats"], v["rate"]] for v in votes],
        chart=chart(
            "bar",
            [str(v["name"]) for v in votes],
            [
                (_("通过(次)"), [v["passed"] for v in votes]),
                (_("未通过(次)"), [v["failed"] for v in votes]),
                (_("进行中(次)"), [v["open"] for v in votes]),
            ],
        ),
    )


def _waiting_table(figures):
    waiting = figures["waiting"]
    items = waiting["items"]
    return Table(
        "waiting",
        _("待办事项"),
        [(_("事项"), "text"), (_("类别"), "text"), (_("项目"), "text"), (_("起始日期"), "text"), (_("已等待(天)"), "days")],
        [[i["what"], i["kind_name"], i["project"], i["since"], i["days"]] for i in items],
        hrefs=[i["url"] for i in items],
        note=_("截至今日；点击事项到管理后台办理。"),
        chart=chart(
            "hbar",
            [str(WAITING_KINDS[kind]) for kind in WAITING_KINDS],
            [(_("待办(件)"), [waiting["counts"][kind] for kind in WAITING_KINDS])],
        ),
    )


def consultation_tables(figures):
    """The consultation page's tables, in page order, each with its chart."""
    return [
        _participation_table(figures),
        _top_items_table(figures),
        _opinions_table(figures),
        _votes_table(figures),
        _waiting_table(figures),
    ]
