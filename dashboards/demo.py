"""Demo data, part 6, city scale only: four plan years of renovation across the whole city, in bulk
(see governance/demo.py for the protocol).

Reads from `ctx.store`: "districts", "communities", "neighbourhoods", "stairwells", "admin".

The lower apps' demo modules tell their stories (in 甜城区, through the services). At the city
scale this module adds the city's history around them, written straight to the tables by
governance.bulk (PostgreSQL's COPY), as the census is: about HOODS_PER_YEAR (1,600) eligible
neighbourhoods a year planned for each of the YEARS plan years up to this one, bundled by one to
three of a community into projects, each project's life dated from its plan year (created the
December before, consultation from February, tender, works started, completed, handed to
long-term management, closed a year later; a few suspended, a few cancelled, this year's
partly still waiting as candidates), and what that life leaves:

- projects: the stage reached by today, the transitions up to it, start and completion dates,
  contractors, and a monthly progress report for every month of works (quantities grow with the
  percent done), so the reports span the four years (48 months);
- consultation: a 三下三上 process per project with its steps done up to the stage (reviews of the
  done up-steps), an assembly per neighbourhood, opinions with their answers, a demand list per
  neighbourhood filled by about DEMAND_SHARE of its households (one to four menu items each), and
  for projects past consultation a closed, passed plan vote per neighbourhood with ballots of
  about BALLOT_SHARE of the owners (one choice per owner);
- money: five funding sources per district, commitments covering each project's budget (60 %
  for one still in consultation), disbursements at the start and the completion of works;
- management: an arrangement for each completed neighbourhood from its handover (professional,
  self-managed or fallback) and for part of the others, with yearly assessments.

The rules these rows satisfy are those the services enforce (commitments within what a source
holds, disbursed within committed, one current arrangement per neighbourhood, one ballot per
household, one current demand submission per household and list).
"""

import datetime
import itertools
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from funding.choices import SourceKind
from funding.models import Commitment, Disbursement, FundingSource
from governance.bulk import insert_rows, reserve_ids
from governance.models import Assessment, ManagementArrangement, ManagementMode
from governance.providers import Provider
from projects.choices import Stage
from projects.models import CatalogueItem, ProgressReport, Project, ProjectTransition
from residents.models import Household
from surveys.choices import StepStatus
from surveys.models import (
    Ballot,
    ConsultationProcess,
    ConsultationStep,
    DemandList,
    DemandSubmission,
    Meeting,
    Opinion,
    StepReview,
    Vote,
)
from surveys.services import builtin_template

# Neighbourhoods planned each year, by scale (tinycity: the city's shape for tests).
HOODS_PER_YEAR = {"city": 1600, "tinycity": 6}
YEARS = 4  # plan years up to this one: 48 months of reports
DEMAND_SHARE = 0.6
BALLOT_SHARE = 0.75
COST_PER_HOUSEHOLD = (18_000, 32_000)  # yuan
CONTRACTORS = ["甜城建工集团有限公司", "沱江市政工程有限公司", "川南建设有限公司", "玉溪路桥工程有限公司",
               "蜀南建设工程有限公司", "天府城市更新有限公司"]
SUPERVISORS = ["甜城建设监理有限公司", "蜀南工程咨询有限公司", "天府项目管理有限公司"]
PROVIDERS = ["甜城安居物业服务有限公司", "沱江物业管理有限公司", "玉溪物业服务有限公司"]
# (kind, name, share of a project's budget)
SOURCES = [
    (SourceKind.CENTRAL_SUBSIDY, "中央财政城镇老旧小区改造补助资金", Decimal("0.40")),
    (SourceKind.SPECIAL_BOND, "城镇老旧小区改造专项债券", Decimal("0.25")),
    (SourceKind.MUNICIPAL_BUDGET, "市级财政配套资金", Decimal("0.10")),
    (SourceKind.DISTRICT_BUDGET, "区级财政配套资金", Decimal("0.20")),
    (SourceKind.RESIDENT_CONTRIBUTION, "居民自筹", Decimal("0.05")),
]
MENU = ["drainage", "water_supply", "roads", "overhead_wires", "outer_walls", "stairs", "elevator_retrofit",
        "parking", "ev_chargers", "ebike_chargers", "lighting", "age_friendly", "greening", "security"]
OPINIONS = [
    ("希望加装电梯的费用分摊按楼层确定。", "adopted", ""),
    ("小区停车位不够，建议利用闲置空地。", "partly", "新增停车位，闲置空地一部分用于绿化。"),
    ("建议拆除所有车棚。", "not_adopted", "车棚兼作电动自行车集中充电点，拆除后存在消防隐患。"),
    ("外墙保温会不会影响采光？", "explained", "保温层厚度约5厘米，不影响采光。"),
]
CENT = Decimal("0.01")


def seed(ctx):
    if ctx.scale not in HOODS_PER_YEAR:
        return
    history = History(ctx)
    with transaction.atomic():
        history.plan()
        history.write_projects()
    with transaction.atomic():
        history.write_money()
    with transaction.atomic():
        history.write_management()
    history.write_consultation()  # one transaction per chunk of neighbourhoods
    ctx.write(
        f"全市改造历史（city history）：项目 {len(history.projects):,}，月报 {history.counts['reports']:,}，"
        f"资金承诺 {history.counts['commitments']:,}，需求提交 {history.counts['submissions']:,}，"
        f"表决票 {history.counts['ballots']:,}，物业 {history.counts['arrangements']:,} · {ctx.elapsed():.0f} s"
    )


def _aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _months(first, last):
    """The first days of the months from `first`'s to `last`'s, inclusive."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


class History:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.admin = ctx.store["admin"]
        self.today = timezone.localdate()
        self.projects = []  # dicts, see plan()
        self.counts = defaultdict(int)
        street_of = {c.pk: c.street for c in ctx.store["communities"]}
        self.street_of_hood = {n.pk: street_of[n.community_id] for n in ctx.store["neighbourhoods"]}
        self.households_of = defaultdict(int)
        self.buildings_of = defaultdict(set)
        for row in ctx.store["stairwells"]:
            self.households_of[row.neighbourhood_id] += 2 * row.floors
            self.buildings_of[row.neighbourhood_id].add(row.building_id)

    # ---- projects ------------------------------------------------------------------------------

    def plan(self):
        """Bundles of eligible neighbourhoods not yet in a project, HOODS_PER_YEAR a year, each
        with its dated life."""
        rng = self.rng
        taken = set(Project.neighbourhoods.through.objects.values_list("neighbourhood_id", flat=True))
        by_community = defaultdict(list)
        for n in self.ctx.store["neighbourhoods"]:
            eligible = n.built_year < 2001 or n.admission_reason
            if eligible and n.pk not in taken:
                by_community[n.community_id].append(n)
        pools = list(by_community.values())
        rng.shuffle(pools)
        bundles, planned = [], 0
        for pool in itertools.cycle(pools):
            if planned >= HOODS_PER_YEAR[self.ctx.scale] * YEARS or not any(pools):
                break
            if pool:
                take = min(len(pool), rng.choice([1, 1, 2, 3]))
                bundles.append([pool.pop() for _ in range(take)])
                planned += take
        first_year = self.today.year - YEARS + 1
        per_year = -(-len(bundles) // YEARS)
        ids = reserve_ids(Project, len(bundles))
        for index, (pk, bundle) in enumerate(zip(ids, bundles)):
            year = first_year + index // per_year
            self.projects.append(self._life(pk, year, bundle, index))

    def _life(self, pk, year, bundle, index):
        rng = self.rng
        street = self.street_of_hood[bundle[0].pk]
        households = sum(self.households_of[n.pk] for n in bundle)
        budget = Decimal(households * rng.randint(*COST_PER_HOUSEHOLD)).quantize(CENT)
        created = datetime.date(year - 1, 12, 1) + datetime.timedelta(days=rng.randint(0, 40))
        events = []  # (stage, date)
        when = datetime.date(year, 2, 1) + datetime.timedelta(days=rng.randint(0, 150))
        fate = rng.random()
        if not (year == self.today.year and fate < 0.1):  # this year's first tenth stays candidate
            events.append((Stage.CONSULTATION, when))
            if fate > 0.99:
                events.append((Stage.CANCELLED, when + datetime.timedelta(days=rng.randint(20, 60))))
            else:
                for stage, low, high in (
                    (Stage.TENDER, 60, 120),
                    (Stage.CONSTRUCTION, 30, 60),
                    (Stage.ACCEPTANCE, 180, 300),
                    (Stage.AFTERCARE, 20, 40),
                    (Stage.CLOSED, 330, 400),
                ):
                    when = when + datetime.timedelta(days=rng.randint(low, high))
                    events.append((stage, when))
                if 0.96 < fate <= 0.99:  # suspended during the works
                    start = dict(events)[Stage.CONSTRUCTION]
                    events = [e for e in events if e[1] <= start]
                    events.append((Stage.SUSPENDED, start + datetime.timedelta(days=rng.randint(30, 90))))
        events = [(stage, day) for stage, day in events if day <= self.today]
        dates = dict(events)
        stage = events[-1][0] if events else Stage.CANDIDATE
        started = dates.get(Stage.CONSTRUCTION)
        completed = dates.get(Stage.ACCEPTANCE)
        return {
            "pk": pk,
            "year": year,
            "code": f"{year}-C{street.district_id % 1000:03d}-{index + 1:05d}",
            "name": ("、".join(n.name for n in bundle[:2]) + ("等" if len(bundle) > 2 else "") + "老旧小区改造")[:120],
            "street": street,
            "hoods": bundle,
            "households": households,
            "buildings": sum(len(self.buildings_of[n.pk]) for n in bundle),
            "budget": budget,
            "created": created,
            "events": events,
            "stage": stage,
            "before": Stage.CONSTRUCTION if stage == Stage.SUSPENDED else "",
            "started": started,
            "completed": completed,
            "contractor": rng.choice(CONTRACTORS) if started else "",
            "supervisor": rng.choice(SUPERVISORS) if started else "",
        }

    def write_projects(self):
        admin = self.admin.pk
        insert_rows(
            Project,
            ("id", "code", "name", "year", "lead_street_id", "budget", "contractor", "supervisor",
             "contract_amount", "planned_start_on", "planned_end_on", "started_on", "completed_on", "stage",
             "stage_before_suspension", "created_at", "updated_at"),
            (
                (p["pk"], p["code"], p["name"], p["year"], p["street"].pk, p["budget"], p["contractor"],
                 p["supervisor"], (p["budget"] * Decimal("0.93")).quantize(CENT) if p["started"] else None,
                 datetime.date(p["year"], 3, 1), datetime.date(p["year"], 12, 31), p["started"], p["completed"],
                 p["stage"], p["before"], _aware(p["created"]), _aware(p["events"][-1][1] if p["events"] else p["created"]))
                for p in self.projects
            ),
        )
        insert_rows(
            Project.neighbourhoods.through,
            ("project_id", "neighbourhood_id"),
            ((p["pk"], n.pk) for p in self.projects for n in p["hoods"]),
        )

        def transitions():
            for p in self.projects:
                before = Stage.CANDIDATE
                for stage, day in p["events"]:
                    yield (p["pk"], before, stage, admin, _aware(day), "演示数据")
                    before = stage

        insert_rows(ProjectTransition, ("project_id", "from_stage", "to_stage", "actor_id", "at", "note"), transitions())
        self.counts["reports"] = insert_rows(
            ProgressReport,
            ("project_id", "month", "percent_complete", "investment_to_date", "pipes_water_km", "pipes_drainage_km",
             "roads_m2", "parking_spaces", "ev_chargers", "ebike_chargers", "illegal_structures_removed_m2",
             "facades_m2", "security_fire_systems", "lights", "greening_m2", "reported_by_id", "created_at"),
            self._reports(),
        )
        self.ctx.write(f"  全市项目 {len(self.projects):,}，月报 {self.counts['reports']:,} · {self.ctx.elapsed():.0f} s")

    def _reports(self):
        admin = self.admin.pk
        for p in self.projects:
            if not p["started"]:
                continue
            end = p["completed"] or self.today
            months = list(_months(p["started"], end))
            b = p["buildings"]
            contract = p["budget"] * Decimal("0.93")
            for m, month in enumerate(months, 1):
                share = Decimal(min(100, round(100 * m / (len(months) + (0 if p["completed"] else 2)))))
                f = share / 100
                yield (
                    p["pk"], month, share, (contract * f).quantize(CENT),
                    (Decimal("0.045") * b * f).quantize(Decimal("0.001")),
                    (Decimal("0.060") * b * f).quantize(Decimal("0.001")),
                    (Decimal(180) * b * f).quantize(CENT), int(3 * b * f), int(b * f), int(6 * b * f),
                    (Decimal(25) * b * f).quantize(CENT), (Decimal(1200) * b * f).quantize(CENT),
                    int(b * f), int(4 * b * f), (Decimal(60) * b * f).quantize(CENT), admin,
                    _aware(min(month + datetime.timedelta(days=27), self.today)),
                )

    # ---- money ---------------------------------------------------------------------------------

    def write_money(self):
        admin = self.admin.pk
        districts = self.ctx.store["districts"]
        source_ids = dict(zip(
            [(d.pk, kind) for d in districts for kind, _n, _s in SOURCES],
            reserve_ids(FundingSource, len(districts) * len(SOURCES)),
        ))
        held = defaultdict(Decimal)
        commitments, disbursements = [], []
        commitment_ids = iter(reserve_ids(
            Commitment, sum(len(SOURCES) for p in self.projects if p["events"] and p["stage"] != Stage.CANCELLED)
        ))
        for p in self.projects:
            if not p["events"] or p["stage"] == Stage.CANCELLED:
                continue
            cover = Decimal("0.6") if p["stage"] == Stage.CONSULTATION else Decimal("1")
            committed_on = min(p["events"][0][1], self.today)
            left = (p["budget"] * cover).quantize(CENT)
            for number, (kind, _name, share) in enumerate(SOURCES):
                amount = left if number == len(SOURCES) - 1 else min(left, (p["budget"] * share).quantize(CENT))
                left -= amount
                if amount <= 0:
                    continue
                pk = next(commitment_ids)
                source = source_ids[(p["street"].district_id, kind)]
                held[source] += amount
                commitments.append((pk, source, p["pk"], amount, committed_on, admin, _aware(committed_on)))
                for paid_on, part in ((p["started"], Decimal("0.4")), (p["completed"], Decimal("0.5"))):
                    if paid_on:
                        disbursements.append(
                            (pk, (amount * part).quantize(CENT), paid_on, p["contractor"] or "施工单位",
                             f"PZ{p['year']}-{pk}-{len(disbursements) + 1}", admin, _aware(paid_on))
                        )
        insert_rows(
            FundingSource,
            ("id", "name", "kind", "provider", "amount_held", "district_id", "document_number"),
            (
                (source_ids[(d.pk, kind)], name, kind, f"{d.name}财政局", held[source_ids[(d.pk, kind)]] or Decimal("0.00"),
                 d.pk, f"{d.name[:2]}财建〔{self.today.year - YEARS + 1}〕{i + 1}号")
                for d in districts
                for i, (kind, name, _s) in enumerate(SOURCES)
            ),
        )
        self.counts["commitments"] = insert_rows(
            Commitment,
            ("id", "source_id", "project_id", "amount", "committed_on", "created_by_id", "created_at"),
            commitments,
        )
        insert_rows(
            Disbursement,
            ("commitment_id", "amount", "paid_on", "payee", "voucher_number", "created_by_id", "created_at"),
            disbursements,
        )
        self.ctx.write(
            f"  资金承诺 {len(commitments):,}，拨付 {len(disbursements):,} · {self.ctx.elapsed():.0f} s"
        )

    # ---- management ----------------------------------------------------------------------------

    def write_management(self):
        rng = self.rng
        handed = {}
        for p in self.projects:
            aftercare = dict(p["events"]).get(Stage.AFTERCARE)
            if aftercare:
                for n in p["hoods"]:
                    handed[n.pk] = aftercare
        current = set(
            ManagementArrangement.objects.filter(ended_on__isnull=True).values_list("neighbourhood_id", flat=True)
        )
        district_of = {c.pk: c.street.district_id for c in self.ctx.store["communities"]}
        providers = defaultdict(list)  # {district id: [provider id]}, registered where missing
        for d in self.ctx.store["districts"]:
            for name in PROVIDERS:
                providers[d.pk].append(Provider.objects.get_or_create(district=d, name=name)[0].pk)
        rows = []
        for n in self.ctx.store["neighbourhoods"]:
            if n.pk in current:
                continue
            if n.pk in handed:
                mode = rng.choices(
                    [ManagementMode.PROFESSIONAL, ManagementMode.SELF_MANAGED, ManagementMode.FALLBACK], [60, 25, 15]
                )[0]
                started = handed[n.pk]
            else:
                draw = rng.random()
                if draw < 0.35:
                    mode = ManagementMode.PROFESSIONAL
                elif draw < 0.45:
                    mode = ManagementMode.FALLBACK
                elif draw < 0.5:
                    mode = ManagementMode.SELF_MANAGED
                else:
                    continue
                started = datetime.date(rng.randint(2012, self.today.year - 1), rng.randint(1, 12), 1)
            provider = (
                rng.choice(providers[district_of[n.community_id]]) if mode == ManagementMode.PROFESSIONAL else None
            )
            fee = Decimal(rng.randint(30, 120)).scaleb(-2) if mode == ManagementMode.PROFESSIONAL else Decimal("0.00")
            rows.append((n.pk, mode, provider, started, fee, _aware(started)))
        ids = reserve_ids(ManagementArrangement, len(rows))
        self.counts["arrangements"] = insert_rows(
            ManagementArrangement,
            ("id", "neighbourhood_id", "mode", "provider_id", "started_on", "fee_per_m2_month", "created_at"),
            ((pk, *row) for pk, row in zip(ids, rows)),
        )

        def assessments():
            for pk, (_n, _mode, _p, started, _fee, _c) in zip(ids, rows):
                for year in range(max(started.year, self.today.year - YEARS), self.today.year):
                    day = datetime.date(year + 1, 1, 20)
                    yield (
                        pk, year, datetime.date(year, 1, 1), datetime.date(year, 12, 31),
                        Decimal(rng.randint(5500, 9800)).scaleb(-2), "{}", "街道长效管理考核组", _aware(day),
                        _aware(day),
                    )

        count = insert_rows(
            Assessment,
            ("arrangement_id", "year", "period_start", "period_end", "score", "items", "assessor", "assessed_at",
             "created_at"),
            assessments(),
        )
        self.ctx.write(f"  物业管理 {len(rows):,}，考核 {count:,} · {self.ctx.elapsed():.0f} s")

    # ---- consultation --------------------------------------------------------------------------

    def write_consultation(self):
        """Processes and steps, then per chunk of neighbourhoods their demand lists, submissions,
        votes and ballots (the households read back chunk by chunk)."""
        consulted = [p for p in self.projects if p["events"]]
        template_steps = list(builtin_template().steps.order_by("order"))
        admin = self.admin.pk
        with transaction.atomic():
            process_ids = reserve_ids(ConsultationProcess, len(consulted))
            template = template_steps[0].template_id
            insert_rows(
                ConsultationProcess,
                ("id", "project_id", "template_id", "started_at", "started_by_id"),
                ((pk, p["pk"], template, _aware(p["events"][0][1]), admin) for pk, p in zip(process_ids, consulted)),
            )
            steps, reviews, meetings, opinions = [], [], [], []
            step_ids = iter(reserve_ids(ConsultationStep, len(consulted) * len(template_steps)))
            for process, p in zip(process_ids, consulted):
                p["process"] = process
                begun = p["events"][0][1]
                past = p["stage"] not in (Stage.CONSULTATION, Stage.CANCELLED)
                finished = dict(p["events"]).get(Stage.TENDER, begun + datetime.timedelta(days=90))
                span = max(6, (finished - begun).days)
                done = len(template_steps) if past else min(
                    len(template_steps) - 1, (self.today - begun).days * len(template_steps) // span
                )
                p["steps_done"] = done
                for i, t in enumerate(template_steps):
                    pk = next(step_ids)
                    opened = begun + datetime.timedelta(days=span * i // len(template_steps))
                    closed = begun + datetime.timedelta(days=span * (i + 1) // len(template_steps))
                    status = StepStatus.DONE if i < done else StepStatus.OPEN if i == done else StepStatus.PENDING
                    steps.append((
                        pk, process, t.order, t.code, t.direction, t.name, t.closes_demand_list, t.needs_vote, status,
                        _aware(opened) if status != StepStatus.PENDING else None,
                        _aware(closed) if status == StepStatus.DONE else None,
                        admin if status == StepStatus.DONE else None, "",
                    ))
                    if status == StepStatus.DONE and t.direction == "up":
                        reviews.append((pk, "approved", f"{p['street'].name}所在区住房和城乡建设局", "同意。", admin,
                                        _aware(closed)))
                    if status != StepStatus.PENDING and t.direction == "down":
                        for n in p["hoods"]:
                            meetings.append((process, pk, n.pk, "assembly", opened, f"{n.name}社区活动室",
                                             self.rng.randint(40, 120), self.rng.randint(30, 90),
                                             "介绍改造政策和改造菜单，听取居民意见。", admin))
                    if i == 0:
                        for text, answer, reason in self.rng.sample(OPINIONS, 2):
                            opinions.append((process, pk, p["hoods"][0].pk, "meeting", text, answer, reason, admin,
                                             _aware(closed), _aware(opened)))
            insert_rows(
                ConsultationStep,
                ("id", "process_id", "order", "code", "direction", "name", "closes_demand_list", "needs_vote",
                 "status", "opened_at", "completed_at", "completed_by_id", "note"),
                steps,
            )
            insert_rows(StepReview, ("step_id", "decision", "department", "comments", "reviewer_id", "at"), reviews)
            insert_rows(
                Meeting,
                ("process_id", "step_id", "neighbourhood_id", "kind", "held_on", "place", "attendees",
                 "households_represented", "minutes", "recorded_by_id"),
                meetings,
            )
            insert_rows(
                Opinion,
                ("process_id", "step_id", "neighbourhood_id", "source", "text", "answer", "answer_text",
                 "answered_by_id", "answered_at", "created_at"),
                opinions,
            )
        self.ctx.write(f"  协商程序 {len(consulted):,}，步骤 {len(steps):,}，会议 {len(meetings):,} · {self.ctx.elapsed():.0f} s")
        menu = list(CatalogueItem.objects.filter(district__isnull=True, code__in=MENU).values_list("pk", flat=True))
        hoods = [(p, n) for p in consulted for n in p["hoods"]]
        for first in range(0, len(hoods), 500):
            with transaction.atomic():
                self._consult_chunk(hoods[first : first + 500], menu)
        self.ctx.write(
            f"  需求提交 {self.counts['submissions']:,}，表决票 {self.counts['ballots']:,} · {self.ctx.elapsed():.0f} s"
        )

    def _consult_chunk(self, hoods, menu):
        rng = self.rng
        admin = self.admin.pk
        flats = defaultdict(list)
        for pk, hood, owner in (
            Household.objects.filter(neighbourhood_id__in=[n.pk for _p, n in hoods])
            .order_by("pk")
            .values_list("pk", "neighbourhood_id", "owner_id_hash")
            .iterator(chunk_size=20_000)
        ):
            flats[hood].append((pk, owner))
        list_ids = reserve_ids(DemandList, len(hoods))
        lists, submissions, items, votes, ballots = [], [], [], [], []
        voted = [(p, n) for p, n in hoods if p["steps_done"] >= 5]
        vote_ids = iter(reserve_ids(Vote, len(voted)))
        through = DemandSubmission.items.through
        chosen = []  # (list id, household, channel, submitted at, items)
        for list_id, (p, n) in zip(list_ids, hoods):
            begun = p["events"][0][1]
            closed = p["steps_done"] >= 1
            d1_end = begun + datetime.timedelta(days=20)
            lists.append((list_id, p["pk"], n.pk, "请勾选您家最希望改造的内容。", not closed, _aware(begun),
                          _aware(d1_end) if closed else None))
            for household, _owner in flats[n.pk]:
                if rng.random() >= DEMAND_SHARE:
                    continue
                day = min(begun + datetime.timedelta(days=rng.randint(0, 19)), self.today)
                chosen.append((list_id, household, "online" if rng.random() < 0.85 else "paper",
                               _aware(day, hour=rng.randint(8, 21)), set(rng.choices(menu, k=rng.randint(1, 4)))))
        for pk, (list_id, household, channel, at, picked) in zip(reserve_ids(DemandSubmission, len(chosen)), chosen):
            submissions.append((pk, list_id, household, "", channel, at, True, f"D{pk:012d}"))
            items.extend((pk, item) for item in picked)
        for p, n in voted:
            vote = next(vote_ids)
            begun = p["events"][0][1]
            closes = dict(p["events"]).get(Stage.TENDER, begun + datetime.timedelta(days=90)) - datetime.timedelta(days=7)
            opens = closes - datetime.timedelta(days=14)
            votes.append((vote, p["pk"], f"{n.name}改造方案表决", "renovation_plan", "neighbourhood", n.pk, "simple",
                          _aware(opens), _aware(closes), "closed", True, _aware(closes, 18), admin, admin, _aware(opens, 9)))
            choice_of = {}
            for household, owner in flats[n.pk]:
                key = owner or household
                if key not in choice_of:
                    if rng.random() >= BALLOT_SHARE:
                        choice_of[key] = None
                    else:
                        choice_of[key] = rng.choices(("agree", "disagree", "abstain"), (85, 10, 5))[0]
                choice = choice_of[key]
                if choice:
                    ballots.append((vote, household, choice, "online", _aware(opens + datetime.timedelta(days=rng.randint(0, 13)))))
        insert_rows(DemandList, ("id", "project_id", "neighbourhood_id", "intro", "is_open", "opened_at", "closed_at"), lists)
        self.counts["submissions"] += insert_rows(
            DemandSubmission,
            ("id", "demand_list_id", "household_id", "text", "channel", "submitted_at", "is_current", "receipt"),
            submissions,
        )
        insert_rows(through, ("demandsubmission_id", "catalogueitem_id"), items)
        insert_rows(
            Vote,
            ("id", "project_id", "title", "matter_type", "scope", "neighbourhood_id", "rule", "opens_at", "closes_at",
             "status", "passed", "closed_at", "closed_by_id", "created_by_id", "created_at"),
            votes,
        )
        self.counts["ballots"] += insert_rows(Ballot, ("vote_id", "household_id", "choice", "channel", "at"), ballots)
