"""Demo data, part 5: funding and long-term management (see governance/demo.py for the protocol).

Reads from `ctx.store`: "district", "streets", "neighbourhoods", "projects", "admin", "providers"
(the first manages the neighbourhoods in aftercare).
Leaves in `ctx.store`: "funding_sources", "subsidy_plans".

Through the services (so the invariants run for real): a few funding sources, commitments that
cover the budget of every project past consultation (and part of the others), a disbursement on
each project under construction or later, public income of the first neighbourhoods, a current
management arrangement for every neighbourhood of a project in aftercare, their assessments and
one subsidy plan each, with a paid year, a withheld year (a failing assessment), a year fallen due
that waits for its assessment, and a year running (see _subsidy_story). At the small scale the
project in aftercare is in the demo community login's community.

`create_plans_bulk` writes many plans straight to the tables (arrangements, payers, the whole
schedule, assessments): the benchmark and the worker tests use it to build thousands of plans in
seconds; the rules it skips are those of subsidy_plan_create, which its inputs satisfy.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from governance.models import Assessment, ManagementArrangement, ManagementMode, Neighbourhood
from governance.providers import Provider
from governance.services_management import arrangement_start, assessment_record
from projects.choices import Stage

from .choices import IncomeKind, SourceKind
from .models import FundingSource, PublicIncome, SubsidyInstallment, SubsidyPayer, SubsidyPlan
from .schedule import add_years, money
from .services import (
    build_installments,
    commitment_create,
    disbursement_create,
    funding_source_save,
    public_income_save,
    subsidies_run,
    subsidy_plan_create,
)

PAST_CONSULTATION = {Stage.TENDER, Stage.CONSTRUCTION, Stage.ACCEPTANCE, Stage.AFTERCARE, Stage.CLOSED}
DISBURSED = {Stage.CONSTRUCTION, Stage.ACCEPTANCE, Stage.AFTERCARE, Stage.CLOSED}
# (kind, name, provider, share of the projects' budgets it holds)
SOURCES = [
    (SourceKind.CENTRAL_SUBSIDY, "中央财政城镇老旧小区改造补助资金", "财政部", Decimal("0.45")),
    (SourceKind.SPECIAL_BOND, "城镇老旧小区改造专项债券", "甜城市财政局", Decimal("0.30")),
    (SourceKind.DISTRICT_BUDGET, "区级财政配套资金", "甜城区财政局", Decimal("0.25")),
    (SourceKind.UTILITY_OPERATOR, "管线改造出资", "甜城供电公司", Decimal("0.10")),
    (SourceKind.RESIDENT_CONTRIBUTION, "居民自筹", "小区居民", Decimal("0.05")),
]
RATES = ["1.20", "0.80", "0.40"]  # 元/m²/year, tapering over three years
# The demo plans (_subsidy_story): four tapering years, started so that year 3 fell due
# STORY_DAYS days ago; the assessment scores of plan years 1 and 2 (year 3's is not in yet).
STORY_RATES = ["1.20", "0.90", "0.60", "0.30"]
STORY_DAYS = 20
STORY_SCORES = {1: "86", 2: "66"}
PAYERS = [("区财政局", Decimal("75")), ("市财政局", Decimal("25"))]  # city:district 1:3


def seed(ctx):
    """The district's funding sources, each project's commitments (and payments of those under
    way), a few neighbourhoods' public income, and the subsidy story (_subsidy_story)."""
    admin = ctx.store["admin"]
    today = timezone.localdate()
    projects = ctx.store.get("projects", [])
    sources = _seed_sources(ctx, projects, admin, today)
    for index, project in enumerate(projects):
        _commit_project(project, index, sources, admin)
    _seed_public_income(ctx.store["neighbourhoods"][:3], admin, today)
    plans = _subsidy_story(ctx, projects, admin, today)
    ctx.store["funding_sources"] = sources
    ctx.store["subsidy_plans"] = plans
    ctx.write(f"  资金来源 {len(sources)} 个，补贴计划 {len(plans)} 个（{ctx.elapsed():.1f}s）")


def _seed_sources(ctx, projects, admin, today):
    """The SOURCES of the demo district, each holding its share of the projects' total budget."""
    total_budget = sum((p.budget for p in projects), Decimal("0")) or Decimal("1000000")
    sources = []
    for kind, name, provider, share in SOURCES:
        source = FundingSource(
            name=name,
            kind=kind,
            provider=provider,
            amount_held=money(total_budget * share),
            district=ctx.store["district"],
            document_number=f"甜财建〔{today.year}〕{len(sources) + 1}号",
        )
        sources.append(funding_source_save(source=source, actor=admin))
    return sources


def _commit_project(project, index, sources, admin):
    """Commit the sources' shares of the project's budget (all of it past consultation, 60%
    before), and pay 40% of each commitment of a project under way."""
    cover = Decimal("1") if project.stage in PAST_CONSULTATION else Decimal("0.6")
    left = money(project.budget * cover)
    for source, (_kind, _name, _provider, share) in zip(sources, SOURCES):
        amount = min(left, money(project.budget * share))
        if amount <= 0:
            break
        commitment = commitment_create(
            source=source,
            project=project,
            amount=amount,
            committed_on=datetime.date(project.year, 2, 1),
            actor=admin,
            document_number=source.document_number,
        )
        left -= amount
        if project.stage in DISBURSED:
            disbursement_create(
                commitment=commitment,
                amount=money(amount * Decimal("0.4")),
                paid_on=datetime.date(project.year, 6, 1),
                payee=project.contractor or "施工单位",
                voucher_number=f"PZ{project.year}-{index + 1:03d}-{commitment.pk}",
                actor=admin,
            )


def _seed_public_income(neighbourhoods, admin, today):
    """Last year's parking, advertising and locker income of each of `neighbourhoods`."""
    for neighbourhood in neighbourhoods:
        for kind, amount in [
            (IncomeKind.PARKING, "18600.00"),
            (IncomeKind.ADVERTISING, "4200.00"),
            (IncomeKind.LOCKERS, "1500.00"),
        ]:
            public_income_save(
                income=PublicIncome(
                    neighbourhood=neighbourhood,
                    kind=kind,
                    amount=Decimal(amount),
                    period_start=datetime.date(today.year - 1, 1, 1),
                    period_end=datetime.date(today.year - 1, 12, 31),
                    use="补充小区维修资金及公共设施日常维护",
                ),
                actor=admin,
            )


def _subsidy_story(ctx, projects, admin, today):
    """For every neighbourhood of a project in aftercare (or closed): a professional management
    arrangement and a four-year subsidy plan that started three years and STORY_DAYS days ago, so
    that its first three years have fallen due and its fourth is running; the street's
    assessments of plan years 1 (86 points: paid in full) and 2 (66 points: withheld until a
    passing re-assessment), each judging the plan year itself; year 3 fell due STORY_DAYS days ago
    and its assessment is not in yet (it waits for it). Then the
    daily run (subsidies_run, the service the schedule runs) decides and pays what is due, as it
    would have done on those days. Returns the plans."""
    start = add_years(today - datetime.timedelta(days=STORY_DAYS), -len(STORY_RATES) + 1)
    plans = []
    for project in projects:
        if project.stage not in (Stage.AFTERCARE, Stage.CLOSED):
            continue
        for neighbourhood in project.neighbourhoods.order_by("pk"):
            arrangement = arrangement_start(
                neighbourhood=neighbourhood,
                mode=ManagementMode.PROFESSIONAL,
                provider=ctx.store["providers"][0],
                started_on=start,
                contract_start=start,
                contract_end=add_years(start, len(STORY_RATES)) - datetime.timedelta(days=1),
                fee_per_m2_month=Decimal("0.60"),
                actor=admin,
            )
            plan = subsidy_plan_create(
                neighbourhood=neighbourhood,
                arrangement=arrangement,
                area=Decimal("12000.00"),
                start_on=start,
                rates=STORY_RATES,
                payers=[{"source": None, "payer_name": n, "share": s} for n, s in PAYERS],
                name=f"{neighbourhood.name}物业补贴",
                actor=admin,
            )
            installments = {row.year: row for row in plan.installments.all()}
            for year, score in STORY_SCORES.items():
                installment = installments[year]
                # The street assesses the plan year itself once it is over: its period is the plan
                # year, which decides that year's installment (funding.schedule.assessment_decides).
                assessment_record(
                    arrangement=arrangement,
                    year=installment.period_start.year,
                    period_start=installment.period_start,
                    period_end=installment.period_end - datetime.timedelta(days=1),
                    score=score,
                    assessor=f"{neighbourhood.community.street.name}长效管理考核组",
                    items={"收费率": "18", "巡查": "20", "安全": "24"},
                    assessed_at=_aware(installment.due_on + datetime.timedelta(days=5)),
                    note=f"第{year}个补贴年度考核",
                    actor=admin,
                )
            plans.append(plan)
    if plans:
        subsidies_run(today=today, actor=admin)
    return plans


def _aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


BULK_PROVIDER = "物业公司"


def _bulk_providers(neighbourhood_ids):
    """{neighbourhood id: the provider BULK_PROVIDER of its district's register}, registering it
    in each district that lacks it."""
    districts = dict(
        Neighbourhood.objects.filter(pk__in=neighbourhood_ids).values_list("pk", "community__street__district_id")
    )
    providers = {
        d: Provider.objects.get_or_create(district_id=d, name=BULK_PROVIDER)[0] for d in set(districts.values())
    }
    return {n: providers[d] for n, d in districts.items()}


def create_plans_bulk(
    neighbourhood_ids,
    *,
    start_on,
    rates=RATES,
    area=Decimal("10000.00"),
    payers=PAYERS,
    scores=None,
    batch_size=2000,
):
    """Create one current arrangement and one subsidy plan (with its payers and whole schedule) per
    neighbourhood id, straight to the tables; `scores` ({assessment year: score}) adds an
    assessment per arrangement. The neighbourhoods must have no current arrangement. Returns the
    plan ids."""
    plan_ids = []
    ends_on = add_years(start_on, len(rates))
    with transaction.atomic():
        for first in range(0, len(neighbourhood_ids), batch_size):
            chunk = neighbourhood_ids[first : first + batch_size]
            plans, arrangements = _create_plans_chunk(chunk, start_on, ends_on, rates, area, payers)
            if scores:
                _create_assessments(arrangements, scores)
            plan_ids.extend(p.pk for p in plans)
    return plan_ids


def _create_plans_chunk(chunk, start_on, ends_on, rates, area, payers):
    """create_plans_bulk's rows for the neighbourhood ids of `chunk`: their arrangements, plans,
    payers and installments; returns the plans and the arrangements."""
    provider = _bulk_providers(chunk)
    arrangements = ManagementArrangement.objects.bulk_create(
        [
            ManagementArrangement(
                neighbourhood_id=n,
                mode=ManagementMode.PROFESSIONAL,
                provider=provider[n],
                started_on=start_on,
                fee_per_m2_month=Decimal("0.60"),
            )
            for n in chunk
        ]
    )
    plans = SubsidyPlan.objects.bulk_create(
        [
            SubsidyPlan(
                neighbourhood_id=a.neighbourhood_id,
                arrangement=a,
                area=area,
                start_on=start_on,
                rates=list(rates),
                score_bands=[],
                ends_on=ends_on,
            )
            for a in arrangements
        ]
    )
    SubsidyPayer.objects.bulk_create(
        [
            SubsidyPayer(plan=p, order=i, payer_name=name, share=share)
            for p in plans
            for i, (name, share) in enumerate(payers, start=1)
        ]
    )
    SubsidyInstallment.objects.bulk_create([row for p in plans for row in build_installments(p)])
    return plans, arrangements


def _create_assessments(arrangements, scores):
    """An assessment of each arrangement for each {assessment year: score} of `scores`."""
    now = timezone.now()
    Assessment.objects.bulk_create(
        [
            Assessment(
                arrangement=a,
                year=year,
                score=Decimal(str(score)),
                assessor="考核组",
                assessed_at=now,
            )
            for a in arrangements
            for year, score in scores.items()
        ]
    )
