"""Demo data, part 4: consultation (see governance/demo.py for the protocol).

Reads from `ctx.store`: "projects", "admin". Leaves in `ctx.store`:
- "resident_story": what a household of the first consultation project's neighbourhood can do,
  {"neighbourhood", "process", "demand_list", "questionnaire", "vote" (open), "vote_to_close"};
- "consultation", "demand_lists", "vote": the second consultation project's process (further on),
  its lists and its plan vote (ready to close), when there is a second one;
- "votes_to_close": the open votes whose closing time has passed.

Two stories, each through the services (processes, steps, meetings, demand lists and
submissions, questionnaires and responses, votes and ballots), so every rule runs for real:

1. The resident story, on the first consultation project (the first neighbourhood of the demo
   community login's community, whose household codes `manage.py demo_logins` prints): its 三下三上
   process at D1 with the residents' assembly recorded, the demand list open and filled by about
   half of the households, an opinion still to answer, a questionnaire open and answered by about
   a third, an owners' vote open (choosing a property company for after the works) with ballots
   from about 40 % of the owners, and an elevator-retrofit vote of one stairwell whose voting time
   ended yesterday: ready for staff to close and count.
2. The plan story, on the second consultation project (in the second community of the same
   street): D1 done (about 60 % of the households submitted; closing it closed the lists), U1
   approved by the district's housing bureau, a preliminary plan seeded from the demand aggregate,
   opinions with their answers, the final plan drafted, and the plan vote of its first
   neighbourhood, voted by about 75 % of the owners, whose time ended yesterday: ready to close
   (after which D2 and D3 can be completed).
3. The review story, on a third consultation project where there is one: D1 done nine days ago
   after the residents' assembly, U1 waiting since then for the department's review, so the
   dashboards list it among what waits (an up step waiting longer than 7 days) and link the admin
   page that records the review.

An owner of two flats votes alike with both, so a closing finds no conflict. At the district scale
each activity stops at DISTRICT_CAP households, so the benchmark seed stays fast.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from projects.choices import Stage
from projects.models import CatalogueItem
from residents.models import Household

from .choices import (
    BallotChannel,
    BallotChoice,
    MatterType,
    MeetingKind,
    OpinionAnswer,
    OpinionSource,
    PlanKind,
    QuestionKind,
    QuestionnaireStatus,
    ReviewDecision,
    SubmissionChannel,
    VoteScope,
)
from .models import ConsultationStep, Meeting, Opinion, PlanVersion, Question, Questionnaire, Vote
from .services import (
    ballot_cast,
    demand_lists_open,
    demand_submit,
    meeting_save,
    opinion_answer,
    opinion_save,
    plan_seed_from_demand,
    plan_version_save,
    process_start,
    questionnaire_save,
    questionnaire_set_status,
    response_submit,
    step_complete,
    step_review,
    vote_open,
    vote_save,
)

SUBMIT_SHARE = 0.6  # the plan story's D1
STORY_SUBMIT_SHARE = 0.5  # the resident story's open demand list
RESPONSE_SHARE = 0.35
OPEN_VOTE_SHARE = 0.4
VOTE_SHARE = 0.75  # the plan vote
ELEVATOR_VOTE_SHARE = 0.85
DISTRICT_CAP = 300
# Menu codes residents pick most, with weights (basic works first, then elevators and parking).
POPULAR = {
    "drainage": 9,
    "water_supply": 8,
    "roads": 8,
    "overhead_wires": 7,
    "outer_walls": 6,
    "stairs": 6,
    "elevator_retrofit": 7,
    "parking": 6,
    "ev_chargers": 5,
    "ebike_chargers": 6,
    "lighting": 5,
    "age_friendly": 4,
    "greening": 4,
    "security": 4,
    "canteen": 3,
    "elderly_care": 3,
    "parcel_lockers": 3,
}
OPINIONS = (
    ("希望加装电梯的费用分摊按楼层确定。", OpinionAnswer.ADOPTED, ""),
    ("小区停车位不够，建议利用闲置空地。", OpinionAnswer.PARTLY, "新增停车位28个，闲置空地一部分用于绿化。"),
    ("建议拆除所有车棚。", OpinionAnswer.NOT_ADOPTED, "车棚兼作电动自行车集中充电点，拆除后存在消防隐患。"),
    ("外墙保温会不会影响采光？", OpinionAnswer.EXPLAINED, "保温层厚度约5厘米，不改变窗户尺寸，不影响采光。"),
)
# (kind, text, required, options)
QUESTIONS = (
    (QuestionKind.SINGLE, "改造完成后，您家是否愿意缴纳物业服务费？", True, ["愿意", "视收费标准而定", "不愿意"]),
    (
        QuestionKind.MULTIPLE,
        "您家最希望解决哪些问题？（可多选）",
        True,
        ["停车难", "雨污管网堵塞", "楼道照明", "上下楼不便", "电动自行车充电"],
    ),
    (QuestionKind.SCALE, "您对目前小区环境的满意程度", True, []),
    (QuestionKind.TEXT, "其他意见和建议", False, []),
)
SUGGESTIONS = ("希望保留院内的老树。", "施工期间请安排好临时停车。", "建议增加老年人休息座椅。")


def seed(ctx):
    consulting = [p for p in ctx.store.get("projects", []) if p.stage == Stage.CONSULTATION]
    if not consulting:
        ctx.write("居民协商：没有处于协商阶段的项目（no project in consultation）")
        return
    ctx.store["votes_to_close"] = []
    _resident_story(ctx, consulting[0])
    if len(consulting) > 1:
        _plan_story(ctx, consulting[1])
    if len(consulting) > 2:
        _review_story(ctx, consulting[2])


def _cap(ctx, chosen):
    return chosen[:DISTRICT_CAP] if ctx.scale in ("district", "city") else chosen


def _menu():
    menu = {
        item.code: item
        for item in CatalogueItem.objects.filter(district__isnull=True, code__in=POPULAR, active=True)
    }
    codes = [c for c in POPULAR if c in menu]
    return menu, codes, [POPULAR[c] for c in codes]


def _submit_demands(ctx, demand_list, households, share, actor):
    """Demand lists of about `share` of `households` through demand_submit (15 % on paper, entered
    by `actor`). They are dated now: a list's opening time is when the seed opened it, and no
    submission may come before that. Returns how many."""
    rng = ctx.rng
    menu, codes, weights = _menu()
    chosen = _cap(ctx, [h for h in households if rng.random() < share])
    for household in chosen:
        paper = rng.random() < 0.15
        picked = {menu[code] for code in rng.choices(codes, weights=weights, k=rng.randint(1, 5))}
        demand_submit(
            demand_list=demand_list,
            household=household,
            items=sorted(picked, key=lambda item: item.pk),
            text="楼道灯经常不亮，希望一并维修。" if rng.random() < 0.05 else "",
            channel=SubmissionChannel.PAPER if paper else SubmissionChannel.ONLINE,
            actor=actor if paper else None,
        )
    return len(chosen)


def _cast_ballots(ctx, vote, share, weights, actor):
    """Ballots of about `share` of the owners in the vote's scope through ballot_cast, at times
    within its voting period (before now): one choice per owner for all of their flats, 20 % on
    paper (entered by `actor`). `weights`: of agree, disagree, abstain. Returns how many."""
    rng = ctx.rng
    flats = Household.objects.filter(vote.households_q()).order_by("pk")
    owners = {}
    for household in flats:
        owners.setdefault(household.owner_id_hash or f"h{household.pk}", []).append(household)
    voting = _cap(ctx, [owned for owned in owners.values() if rng.random() < share])
    last = min(vote.closes_at, timezone.now())
    span = max(60, int((last - vote.opens_at).total_seconds()) - 60)
    cast = 0
    for owned in voting:
        choice = rng.choices(BallotChoice.values, weights=weights)[0]
        paper = rng.random() < 0.2
        at = vote.opens_at + datetime.timedelta(seconds=rng.randint(30, span))
        for household in owned:  # one owner, one choice for every flat
            ballot_cast(
                vote=vote,
                household=household,
                choice=choice,
                channel=BallotChannel.PAPER if paper else BallotChannel.ONLINE,
                actor=actor if paper else None,
                now=at,
            )
            cast += 1
    return cast


def _assembly(ctx, process, step, neighbourhoods, actor, days_ago):
    rng = ctx.rng
    for n in neighbourhoods:
        meeting_save(
            meeting=Meeting(
                process=process,
                step=step,
                neighbourhood=n,
                kind=MeetingKind.ASSEMBLY,
                held_on=timezone.localdate() - datetime.timedelta(days=days_ago),
                place=f"{n.name}社区活动室",
                attendees=rng.randint(40, 120),
                households_represented=rng.randint(30, 90),
                minutes="介绍改造政策和“改造菜单”，发放需求清单，居民现场提问。",
            ),
            actor=actor,
        )


def _resident_story(ctx, project):
    """D1 of the first consultation project: everything its households can do now (see above)."""
    admin = ctx.store["admin"]
    now = timezone.now()
    neighbourhoods = list(project.neighbourhoods.order_by("pk"))
    neighbourhood = neighbourhoods[0]
    process = process_start(project=project, actor=admin)
    d1 = process.steps.get(code="D1")
    _assembly(ctx, process, d1, neighbourhoods, admin, days_ago=12)
    lists = {
        dl.neighbourhood_id: dl
        for dl in demand_lists_open(
            project=project, actor=admin, intro="请勾选您家最希望改造的内容，可补充文字和照片。"
        )
    }
    households = list(Household.objects.filter(neighbourhood=neighbourhood).order_by("pk"))
    submitted = _submit_demands(ctx, lists[neighbourhood.pk], households, STORY_SUBMIT_SHARE, admin)
    _meeting_opinion(process, d1, neighbourhood, "希望改造时把小区大门的门禁一并更换。", OpinionAnswer.ADOPTED, "", admin)
    # Still to answer: a task for staff.
    _meeting_opinion(process, d1, neighbourhood, "建议在2栋前增设电动自行车充电棚。", None, "", admin)
    questionnaire = _open_questionnaire(project, d1, neighbourhood, admin, now)
    responses = _answer_questionnaire(ctx, questionnaire, households)
    vote, ballots, to_close, elevator_ballots = _resident_votes(
        ctx, project, neighbourhood, households, admin, now
    )
    ctx.store["resident_story"] = {
        "neighbourhood": neighbourhood,
        "process": process,
        "demand_list": lists[neighbourhood.pk],
        "questionnaire": questionnaire,
        "vote": vote,
        "vote_to_close": to_close,
    }
    ctx.store["votes_to_close"].append(to_close)
    ctx.write(
        f"居民协商（{neighbourhood.name}）：需求清单 {submitted:,} 份，问卷 {responses:,} 份，"
        f"表决票 {ballots:,} + {elevator_ballots:,} 张（resident story）"
    )


def _resident_votes(ctx, project, neighbourhood, households, actor, now):
    """The neighbourhood's open vote on professional management, and the last stairwell's elevator
    vote, ended and waiting to be closed; returns each vote with its ballot count."""
    vote, ballots = _open_vote(
        ctx,
        Vote(
            project=project,
            title=f"{neighbourhood.name}改造后实行专业化物业管理（选聘物业服务企业）",
            description="拟选聘甜城安居物业服务有限公司，服务费0.60元/平方米·月，改造完工后开始服务。",
            matter_type=MatterType.OTHER,
            neighbourhood=neighbourhood,
            opens_at=now - datetime.timedelta(days=3),
            closes_at=now + datetime.timedelta(days=11),
        ),
        OPEN_VOTE_SHARE,
        (80, 12, 8),
        actor,
    )
    stairwell = households[-1].stairwell  # the last stairwell: its elevator vote has ended
    to_close, elevator_ballots = _open_vote(
        ctx,
        Vote(
            project=project,
            title=f"{stairwell.building.name}{stairwell.name}加装电梯",
            description="加装电梯一部，费用按楼层分摊，一楼住户不分摊。",
            matter_type=MatterType.ELEVATOR_RETROFIT,
            scope=VoteScope.STAIRWELL,
            neighbourhood=neighbourhood,
            stairwell=stairwell,
            opens_at=now - datetime.timedelta(days=15),
            closes_at=now - datetime.timedelta(days=1),
        ),
        ELEVATOR_VOTE_SHARE,
        (90, 7, 3),
        actor,
    )
    return vote, ballots, to_close, elevator_ballots


def _meeting_opinion(process, step, neighbourhood, text, answer, answer_text, actor):
    """An opinion voiced at a meeting of `step`, answered when `answer` is given."""
    opinion = opinion_save(
        opinion=Opinion(
            process=process, step=step, neighbourhood=neighbourhood, source=OpinionSource.MEETING, text=text
        ),
        actor=actor,
    )
    if answer:
        opinion_answer(opinion=opinion, answer=answer, answer_text=answer_text, actor=actor)


def _open_questionnaire(project, step, neighbourhood, actor, now):
    """The neighbourhood's questionnaire of QUESTIONS, opened a week before `now`."""
    questionnaire = questionnaire_save(
        questionnaire=Questionnaire(
            neighbourhood=neighbourhood,
            project=project,
            step=step,
            title=f"{neighbourhood.name}改造意愿问卷",
            intro="了解各家对改造内容和改造后物业管理的意见，约需2分钟。",
        ),
        questions=[
            (Question(kind=kind, text=text, required=required), options)
            for kind, text, required, options in QUESTIONS
        ],
        actor=actor,
    )
    return questionnaire_set_status(
        questionnaire=questionnaire,
        status=QuestionnaireStatus.OPEN,
        actor=actor,
        now=now - datetime.timedelta(days=7),
    )


def _open_vote(ctx, vote, share, weights, actor):
    """Save and open `vote`, then cast its ballots (_cast_ballots); returns the open vote and how
    many ballots were cast."""
    vote = vote_save(vote=vote, actor=actor)
    vote = vote_open(vote=vote, actor=actor)
    return vote, _cast_ballots(ctx, vote, share, weights, actor)


def _answer_questionnaire(ctx, questionnaire, households):
    rng = ctx.rng
    questions = list(questionnaire.questions.prefetch_related("options").order_by("order"))
    now = timezone.now()
    chosen = _cap(ctx, [h for h in households if rng.random() < RESPONSE_SHARE])
    for household in chosen:
        answers = {}
        for question in questions:
            options = [o.pk for o in question.options.all()]
            if question.kind == QuestionKind.SINGLE:
                answers[question.pk] = rng.choices(options, weights=[6, 3, 1][: len(options)])[0]
            elif question.kind == QuestionKind.MULTIPLE:
                answers[question.pk] = sorted(set(rng.choices(options, k=rng.randint(1, 3))))
            elif question.kind == QuestionKind.SCALE:
                answers[question.pk] = rng.choices([1, 2, 3, 4, 5], weights=[2, 4, 5, 3, 1])[0]
            elif rng.random() < 0.2:
                answers[question.pk] = rng.choice(SUGGESTIONS)
        response_submit(
            questionnaire=questionnaire,
            household=household,
            answers=answers,
            now=now - datetime.timedelta(minutes=rng.randint(10, 7 * 1440)),
        )
    return len(chosen)


REVIEW_STORY_DAYS = 9


def _review_story(ctx, project):
    """The third consultation project: U1 open for REVIEW_STORY_DAYS days, not yet reviewed."""
    admin = ctx.store["admin"]
    now = timezone.now()
    process = process_start(project=project, actor=admin)
    steps = {s.code: s for s in process.steps.all()}
    # The process began before its assembly: its first step is dated back (demo data only).
    ConsultationStep.objects.filter(pk=steps["D1"].pk).update(opened_at=now - datetime.timedelta(days=30))
    _assembly(ctx, process, steps["D1"], list(project.neighbourhoods.order_by("pk")), admin, days_ago=20)
    step_complete(
        step=steps["D1"],
        actor=admin,
        note="居民大会和入户走访完成，需求汇总上报区住建局",
        now=now - datetime.timedelta(days=REVIEW_STORY_DAYS),
    )
    ctx.write(f"居民协商：{project.name} 的上行步骤 U1 待部门审核 {REVIEW_STORY_DAYS} 天（an up step waiting for review）")


def _plan_story(ctx, project):
    """The second consultation project, past D1 and U1, its plan vote ready to close."""
    admin = ctx.store["admin"]
    now = timezone.now()
    neighbourhoods = list(project.neighbourhoods.order_by("pk"))
    process = process_start(project=project, actor=admin)
    steps = {s.code: s for s in process.steps.all()}
    _assembly(ctx, process, steps["D1"], neighbourhoods, admin, days_ago=40)
    lists = demand_lists_open(
        project=project, actor=admin, intro="请勾选您家最希望改造的内容，可补充文字和照片。"
    )
    submitted = 0
    for demand_list in lists:
        households = list(
            Household.objects.filter(neighbourhood_id=demand_list.neighbourhood_id).order_by("pk")
        )
        submitted += _submit_demands(ctx, demand_list, households, SUBMIT_SHARE, admin)
    step_complete(step=steps["D1"], actor=admin, note="需求征集结束")
    step_review(
        step=steps["U1"],
        decision=ReviewDecision.APPROVED,
        department="区住房和城乡建设局",
        actor=admin,
        comments="需求清单完整，同意进入方案设计。",
    )
    plan_seed_from_demand(project=project, actor=admin, min_share=Decimal("5"))
    for text, answer, reason in OPINIONS:
        _meeting_opinion(process, steps["D2"], neighbourhoods[0], text, answer, reason, admin)
    final = plan_version_save(
        plan=PlanVersion(
            project=project,
            kind=PlanKind.FINAL,
            title=f"{project.name}最终方案",
            summary="雨污分流、供水管网更新、架空线缆规整、外墙修缮；加装电梯按单元意愿实施；新增停车位及充电设施。",
        ),
        actor=admin,
    )
    vote, ballots = _open_vote(
        ctx,
        Vote(
            project=project,
            plan_version=final,
            title=f"{neighbourhoods[0].name}改造方案表决",
            matter_type=MatterType.RENOVATION_PLAN,
            neighbourhood=neighbourhoods[0],
            opens_at=now - datetime.timedelta(days=14),
            closes_at=now - datetime.timedelta(days=1),
        ),
        VOTE_SHARE,
        (85, 10, 5),
        admin,
    )
    ctx.store.update(consultation=process, demand_lists=lists, vote=vote)
    ctx.store["votes_to_close"].append(vote)
    ctx.write(f"居民协商：需求清单 {submitted:,} 份，表决票 {ballots:,} 张（demand submissions, ballots）")
