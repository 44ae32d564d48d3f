"""The money and management page (issue 10, item 6): every figure against a recount in Python from
the raw rows of generated data, who sees it, its query count at two data sizes, the exports."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards import figures as f
from funding.choices import InstallmentStatus
from funding.models import Commitment, SubsidyInstallment, SubsidyPayer, SubsidyPayment, SubsidyPlan
from governance.models import Assessment, ManagementArrangement, ManagementMode, Neighbourhood
from projects.choices import Stage
from projects.models import Project
from residents.models import Household
from tests.dashboards.helpers import assert_page_and_export_answer, assert_tables_export, page_queries
from tests.dashboards.test_pages import SCOPING, world  # noqa: F401  (the scoping table's fixture)
from tests.dashboards.test_pages_figures import PERIOD, YEAR, aware, generate
from tests.factories import UserFactory, provider_of

pytestmark = pytest.mark.django_db

AS_OF = PERIOD.as_of
END = PERIOD.as_of_end
D = datetime.date
CENT = Decimal("0.01")
# How a neighbourhood is managed on 2025-09-30: (mode, started, ended) rows, or nothing.
HISTORIES = [
    [],
    [(ManagementMode.PROFESSIONAL, D(2020, 1, 1), None)],
    [(ManagementMode.SELF_MANAGED, D(2021, 5, 1), D(2025, 6, 30))],  # ended before: unmanaged
    [(ManagementMode.FALLBACK, D(2025, 10, 1), None)],  # starts after: unmanaged
    [(ManagementMode.NONE, D(2022, 1, 1), None)],  # "none": unmanaged
    [(ManagementMode.PROFESSIONAL, D(2019, 1, 1), D(2024, 12, 31)), (ManagementMode.FALLBACK, D(2025, 1, 1), None)],
    [(ManagementMode.SELF_MANAGED, D(2023, 3, 1), D(2025, 9, 30))],  # ends on the as-of date: managed
]


def manage(seed):
    """Arrangements, assessments (re-assessed, and one recorded after the as-of date), subsidy plans
    with two payers and installments in every state, payments before and after the as-of date."""
    rng = random.Random(seed)
    for hood in Neighbourhood.objects.filter(arrangements__isnull=True).order_by("pk"):
        arrangement = None
        for mode, started, ended in rng.choice(HISTORIES):
            arrangement = ManagementArrangement.objects.create(
                neighbourhood=hood, mode=mode, provider=provider_of(hood), started_on=started, ended_on=ended
            )
        if arrangement is None or arrangement.mode == ManagementMode.NONE:
            continue
        for year in (YEAR - 1, YEAR, YEAR):
            assessment = Assessment.objects.create(
                arrangement=arrangement, year=year, score=Decimal(rng.randint(4000, 10000)) / 100,
                assessor="街道", assessed_at=aware(D(year, 12, 20)),
            )
            Assessment.objects.filter(pk=assessment.pk).update(created_at=aware(rng.choice([D(year, 3, 1), D(year, 9, 1), D(YEAR, 11, 1)])))
        if rng.random() < 0.6:
            _plan(rng, hood, arrangement)


def _plan(rng, hood, arrangement):
    start = rng.choice([D(2022, 3, 1), D(2023, 7, 1)])
    rates = [Decimal("1.20"), Decimal("0.80"), Decimal("0.40"), Decimal("0.20")]
    plan = SubsidyPlan.objects.create(
        neighbourhood=hood, arrangement=arrangement, area=Decimal(rng.randint(500000, 2000000)) / 100,
        start_on=start, rates=[str(r) for r in rates], ends_on=start.replace(year=start.year + 4),
    )
    payers = [
        SubsidyPayer.objects.create(plan=plan, order=1, payer_name="区财政", share=Decimal("60")),
        SubsidyPayer.objects.create(plan=plan, order=2, payer_name=rng.choice(["街道", "原产权单位"]), share=Decimal("40")),
    ]
    for year, rate in enumerate(rates, start=1):
        first = start.replace(year=start.year + year - 1)
        after = start.replace(year=start.year + year)
        status = rng.choice([InstallmentStatus.PAID, InstallmentStatus.WITHHELD, InstallmentStatus.DUE, InstallmentStatus.RELEASED])
        if after > D(2026, 1, 1):
            status = InstallmentStatus.SCHEDULED
        amount = (plan.area * rate).quantize(CENT)
        moment = aware(after + datetime.timedelta(days=rng.choice([10, 40])))
        paying = status in (InstallmentStatus.PAID, InstallmentStatus.RELEASED)
        installment = SubsidyInstallment.objects.create(
            plan=plan, year=year, period_start=first, period_end=after, due_on=after, assessment_year=first.year,
            rate=rate, status=status, amount=amount if paying else None, released_at=moment if paying else None,
            paid_at=moment if status == InstallmentStatus.PAID else None,
        )
        if status == InstallmentStatus.PAID:
            SubsidyPayment.objects.create(installment=installment, payer=payers[0], amount=(amount * Decimal("0.6")).quantize(CENT), paid_at=moment)
            SubsidyPayment.objects.create(installment=installment, payer=payers[1], amount=amount - (amount * Decimal("0.6")).quantize(CENT), paid_at=moment)


def generate_with_management(seed, **sizes):
    district = generate(seed, **sizes)
    manage(seed)
    return district


def recount(district):
    """The money page of `district` recounted in Python from the raw rows."""
    hoods = {h.pk: h for h in Neighbourhood.objects.select_related("community").filter(community__street__district=district)}
    cancelled = {p.pk for p in Project.objects.all() if p.transitions.filter(to_stage=Stage.CANCELLED, at__lt=END).exists()}
    touching = {
        p.pk: p for p in Project.objects.prefetch_related("neighbourhoods")
        if p.pk not in cancelled and any(n.pk in hoods for n in p.neighbourhoods.all())
    }
    live = lambda row: not hasattr(row, "reversal") or row.reversal.created_at >= END  # noqa: E731
    funding, committed = defaultdict(Decimal), defaultdict(Decimal)
    for c in Commitment.objects.select_related("source", "project"):
        if c.project_id in touching and c.committed_on <= AS_OF and live(c):
            if YEAR - 4 <= c.project.year <= YEAR:
                funding[(c.source.kind, c.project.year)] += c.amount
            committed[c.project_id] += c.amount
    gaps = {
        p.code: p.budget - committed[pk] for pk, p in touching.items() if p.year == YEAR and p.budget > committed[pk]
    }
    managed = {}
    for hood_id in hoods:
        covering = [
            a for a in ManagementArrangement.objects.filter(neighbourhood_id=hood_id)
            if a.started_on <= AS_OF and (a.ended_on is None or a.ended_on >= AS_OF) and a.mode != ManagementMode.NONE
        ]
        managed[hood_id] = max(covering, key=lambda a: a.started_on).mode if covering else None
    coverage = defaultdict(lambda: defaultdict(int))
    for hood_id, mode in managed.items():
        row = coverage[hoods[hood_id].community.street_id]
        row["neighbourhoods"] += 1
        row[mode or "unmanaged"] += 1
    latest = {}
    for a in Assessment.objects.select_related("arrangement").order_by("pk"):
        if a.arrangement.neighbourhood_id in hoods and a.created_at < END and YEAR - 4 <= a.year <= YEAR:
            latest[(a.arrangement.neighbourhood_id, a.year)] = a
    bands = defaultdict(int)
    for (hood_id, year), a in latest.items():
        band = next(i for i, (low, _name) in enumerate(f.BANDS) if a.score >= low)
        bands[(year, band)] += 1
    subsidies = defaultdict(lambda: defaultdict(Decimal))
    for payer in SubsidyPayer.objects.select_related("plan"):
        if payer.plan.neighbourhood_id not in hoods:
            continue
        for i in SubsidyInstallment.objects.filter(plan=payer.plan):
            if i.due_on <= AS_OF:
                row = subsidies[(i.due_on.year, payer.payer_name)]
                standard = payer.plan.area * i.rate * payer.share / 100
                row["installments"] += 1
                row["due"] += standard
                row["withheld"] += standard if i.status == InstallmentStatus.WITHHELD else 0
    for p in SubsidyPayment.objects.select_related("installment__plan", "payer"):
        i = p.installment
        if i.plan.neighbourhood_id in hoods and i.due_on <= AS_OF and p.paid_at < END:
            subsidies[(i.due_on.year, p.payer.payer_name)]["paid"] += p.amount
    return funding, gaps, coverage, managed, bands, subsidies


def test_every_figure_of_the_money_page_equals_a_recount_from_the_raw_rows():
    district = generate_with_management(seed=21, neighbourhoods=4)
    root = UserFactory(username="root", is_superuser=True)
    figures = f.money_page(root, f.Unit(f.DISTRICT, district), PERIOD)
    funding, gaps, coverage, managed, bands, subsidies = recount(district)
    assert funding and gaps and bands and subsidies  # the data exercises every figure
    assert figures["funding"] == dict(funding)
    assert {r["code"]: r["gap"] for r in figures["gaps"]["rows"]} == gaps
    assert figures["gaps"]["projects"] == len(gaps) and figures["gaps"]["gap"] == sum(gaps.values(), Decimal("0.00"))
    assert [r["gap"] for r in figures["gaps"]["rows"]] == sorted(gaps.values(), reverse=True)
    assert {r["pk"] for r in figures["coverage"]} == set(coverage)
    for row in figures["coverage"]:
        want = coverage[row["pk"]]
        assert row["neighbourhoods"] == want["neighbourhoods"] and row["unmanaged"] == want["unmanaged"], row["name"]
        for mode in f.money.MODES:
            assert row[mode] == want[mode], (row["name"], mode)
    unmanaged = {pk for pk, mode in managed.items() if mode is None}
    assert unmanaged and len(unmanaged) < len(managed)
    assert {r["pk"] for r in figures["unmanaged"]} == unmanaged
    assert figures["coverage_total"]["unmanaged"] == len(unmanaged)
    assert figures["bands"] == dict(bands)
    got = {(r["year"], r["payer"]): (r["installments"], r["due"], r["paid"], r["withheld"]) for r in figures["subsidies"]}
    want = {
        key: (v["installments"], v["due"].quantize(CENT), v["paid"].quantize(CENT), v["withheld"].quantize(CENT))
        for key, v in subsidies.items()
    }
    assert got == want
    assert any(v["paid"] for v in subsidies.values()) and any(v["withheld"] for v in subsidies.values())
    # A page cut to one row of each list, and the unmanaged neighbourhoods through governance's
    # one definition.
    cut = f.money_page(root, f.Unit(f.DISTRICT, district), PERIOD, limit=1)
    assert len(cut["unmanaged"]) == 1 and len(cut["gaps"]["rows"]) == 1
    assert set(Neighbourhood.objects.filter(pk__in=list(managed)).unmanaged(AS_OF).values_list("pk", flat=True)) == unmanaged


def test_the_page_takes_the_same_number_of_queries_at_two_data_sizes(client):
    from tests.dashboards.test_consultation_page import _urls

    client.force_login(UserFactory(username="root", is_superuser=True))
    counts = []
    for seed, sizes in ((1, {"districts": 1, "streets": 1, "communities": 1, "neighbourhoods": 1}), (2, {"districts": 3, "streets": 3, "communities": 2, "neighbourhoods": 3})):
        district = generate_with_management(seed, **sizes)
        pages = {name: page_queries(client, url) for name, url in _urls(district, "money").items()}
        export = reverse("dashboards:page_export", args=["district", district.pk, "money", "unmanaged", "xlsx"])
        pages["export"] = page_queries(client, export)
        counts.append(pages)
    assert counts[0] == counts[1]
    # Pinned: the session and the user (2), the unit's row (1, none for the city; at a project its
    # neighbourhood for the breadcrumb too), the coverage with its rows' names (1), the subsidies
    # (2), funding (1), the gaps (1), the unmanaged list (1), the bands (1).
    assert counts[1] == {
        "city": 9, "district": 10, "street": 10, "community": 10, "neighbourhood": 10, "project": 11, "export": 10,
    }


@pytest.mark.parametrize("who, level, place, status", SCOPING)
def test_scoping_of_the_page_and_its_exports(client, world, users, who, level, place, status):  # noqa: F811
    user, unit = getattr(users, who), getattr(world, place)
    assert_page_and_export_answer(client, user, level, unit, "money", "management", status)


def test_anonymous_goes_to_the_login(client, world):  # noqa: F811
    for url in (
        reverse("dashboards:page_top", args=["money"]),
        reverse("dashboards:page", args=["district", world.district.pk, "money"]),
        reverse("dashboards:page_export", args=["district", world.district.pk, "money", "gaps", "xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_every_table_exports_with_chinese_headers_and_the_territory_and_date_in_the_name(client, world, users):  # noqa: F811
    for hood in (world.n111, world.n121):
        ManagementArrangement.objects.create(neighbourhood=hood, mode=ManagementMode.SELF_MANAGED, started_on=D(2024, 1, 1))
    client.force_login(users.street)
    headers = {"funding": "资金类别", "gaps": "项目编号", "management": "社区", "unmanaged": "小区", "assessments": "得分档次", "subsidies": "到期年度"}
    assert_tables_export(client, "street", world.s1, "money", headers, "2026-02", "2026-02-28")
    # The street's two communities are managed; nothing else is unmanaged in s1 (no neighbourhood).
    response = client.get(reverse("dashboards:page", args=["street", world.s1.pk, "money"]))
    assert response.context["figures"]["coverage_total"] == {
        "neighbourhoods": 2, "unmanaged": 0, "professional": 0, "self_managed": 2, "fallback": 0, "managed_rate": Decimal("100.0"),
    }
    assert Household.objects.filter(neighbourhood__community__street=world.s1).exists()
