"""Demo data, part 4: consultation (see governance/demo.py for the protocol).

Reads from `ctx.store`: "projects", "admin". Leaves in `ctx.store`: "consultation" (the process),
"demand_lists", "vote".

For the first project in the consultation stage: its 三下三上 process is started, D1's
residents' assembly recorded, the demand lists opened and filled by about 60 % of the households
(online mostly, some on paper), D1 completed (which closes the lists), U1 approved by the
district's housing bureau, a preliminary plan seeded from the demand aggregate, a few opinions with
their answers, the final plan drafted, and the plan vote of the first neighbourhood opened, with
ballots from about 75 % of the owners (an owner of two flats votes alike with both). Processes,
steps, reviews and the vote go through the services; the many submissions and ballots are written
in bulk, as the census is (a past that already happened, at the district scale in seconds).
"""

import datetime
from decimal import Decimal

from django.db import transaction
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
    ReviewDecision,
    SubmissionChannel,
)
from .models import Ballot, DemandSubmission, Meeting, Opinion, PlanVersion, Vote
from .services import (
    _receipt,
    demand_lists_open,
    meeting_save,
    opinion_answer,
    opinion_save,
    plan_seed_from_demand,
    plan_version_save,
    process_start,
    step_complete,
    step_review,
    vote_open,
    vote_save,
)

SUBMIT_SHARE = 0.6
VOTE_SHARE = 0.75
BATCH = 5000
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


def seed(ctx):
    rng = ctx.rng
    admin = ctx.store["admin"]
    project = next((p for p in ctx.store.get("projects", []) if p.stage == Stage.CONSULTATION), None)
    if project is None:
        ctx.write("居民协商：没有处于协商阶段的项目（no project in consultation）")
        return
    today = timezone.localdate()
    neighbourhoods = list(project.neighbourhoods.order_by("pk"))
    process = process_start(project=project, actor=admin)
    steps = {s.code: s for s in process.steps.all()}
    for n in neighbourhoods:
        meeting_save(
            meeting=Meeting(
                process=process,
                step=steps["D1"],
                neighbourhood=n,
                kind=MeetingKind.ASSEMBLY,
                held_on=today - datetime.timedelta(days=30),
                place=f"{n.name}社区活动室",
                attendees=rng.randint(40, 120),
                households_represented=rng.randint(30, 90),
                minutes="介绍改造政策和“改造菜单”，发放需求清单，居民现场提问。",
            ),
            actor=admin,
        )
    lists = demand_lists_open(
        project=project, actor=admin, intro="请勾选您家最希望改造的内容，可补充文字和照片。"
    )
    submitted = _submissions(rng, {dl.neighbourhood_id: dl for dl in lists}, admin)
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
        opinion = opinion_save(
            opinion=Opinion(
                process=process,
                step=steps["D2"],
                neighbourhood=neighbourhoods[0],
                source=OpinionSource.MEETING,
                text=text,
            ),
            actor=admin,
        )
        opinion_answer(opinion=opinion, answer=answer, answer_text=reason, actor=admin)
    final = plan_version_save(
        plan=PlanVersion(
            project=project,
            kind=PlanKind.FINAL,
            title=f"{project.name}最终方案",
            summary="雨污分流、供水管网更新、架空线缆规整、外墙修缮；加装电梯按单元意愿实施；新增停车位及充电设施。",
        ),
        actor=admin,
    )
    now = timezone.now()
    vote = vote_save(
        vote=Vote(
            project=project,
            plan_version=final,
            title=f"{neighbourhoods[0].name}改造方案表决",
            matter_type=MatterType.RENOVATION_PLAN,
            neighbourhood=neighbourhoods[0],
            opens_at=now - datetime.timedelta(days=3),
            closes_at=now + datetime.timedelta(days=11),
        ),
        actor=admin,
    )
    vote = vote_open(vote=vote, actor=admin)
    ballots = _ballots(rng, vote, admin)
    ctx.store.update(consultation=process, demand_lists=lists, vote=vote)
    ctx.write(f"居民协商：需求清单 {submitted:,} 份，表决票 {ballots:,} 张（demand submissions, ballots）")


def _submissions(rng, lists, admin):
    menu = dict(
        CatalogueItem.objects.filter(district__isnull=True, code__in=POPULAR).values_list("code", "pk")
    )
    codes = [c for c in POPULAR if c in menu]
    weights = [POPULAR[c] for c in codes]
    households = list(
        Household.objects.filter(neighbourhood_id__in=lists)
        .order_by("pk")
        .values_list("pk", "neighbourhood_id")
    )
    chosen = [h for h in households if rng.random() < SUBMIT_SHARE]
    now = timezone.now()
    through = DemandSubmission.items.through
    for start in range(0, len(chosen), BATCH):
        with transaction.atomic():
            rows = []
            for hid, nid in chosen[start : start + BATCH]:
                paper = rng.random() < 0.15
                rows.append(
                    DemandSubmission(
                        demand_list=lists[nid],
                        household_id=hid,
                        receipt=_receipt(),
                        channel=SubmissionChannel.PAPER if paper else SubmissionChannel.ONLINE,
                        entered_by=admin if paper else None,
                        submitted_at=now - datetime.timedelta(days=25, minutes=rng.randint(0, 20000)),
                        text="楼道灯经常不亮，希望一并维修。" if rng.random() < 0.05 else "",
                    )
                )
            made = DemandSubmission.objects.bulk_create(rows)
            through.objects.bulk_create(
                through(demandsubmission_id=s.pk, catalogueitem_id=menu[code])
                for s in made
                for code in set(rng.choices(codes, weights=weights, k=rng.randint(1, 5)))
            )
    return len(chosen)


def _ballots(rng, vote, admin):
    flats = list(
        Household.objects.filter(vote.households_q()).order_by("pk").values_list("pk", "owner_id_hash")
    )
    owners = {}
    for pk, owner in flats:
        owners.setdefault(owner or f"h{pk}", []).append(pk)
    now = timezone.now()
    rows = []
    for owned in owners.values():
        if rng.random() >= VOTE_SHARE:
            continue
        choice = rng.choices(BallotChoice.values, weights=(85, 10, 5))[0]
        paper = rng.random() < 0.2
        for pk in owned:  # one owner, one choice for every flat
            rows.append(
                Ballot(
                    vote=vote,
                    household_id=pk,
                    choice=choice,
                    channel=BallotChannel.PAPER if paper else BallotChannel.ONLINE,
                    entered_by=admin if paper else None,
                    at=now - datetime.timedelta(minutes=rng.randint(1, 4000)),
                )
            )
    Ballot.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
