"""seed_demo --scale small and demo_logins, on one seeded database shared by the module.

The small seed runs once for the module, inside a transaction rolled back at its end; each test
runs in a savepoint inside it (pytest-django's `db`), so the tests stay independent and fast.
"""
import datetime
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max, Min
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.choices import EligibilityStatus, RoleKind
from governance.demo import DEMO_LOGINS
from governance.models import (
    AuditEntry,
    Building,
    Community,
    District,
    Neighbourhood,
    StaffRole,
    Stairwell,
    Street,
)
from funding.choices import InstallmentStatus
from funding.models import SubsidyPlan
from governance.scoping import scope
from projects.choices import Stage
from projects.models import Project
from residents.models import Household
from residents.selectors import household_for_code
from surveys.choices import QuestionnaireStatus, StepStatus, VoteStatus
from surveys.models import Ballot, ConsultationProcess, DemandList, DemandSubmission, Response, Vote
from surveys.selectors import resident_home
from surveys.services import vote_close
from tests.dashboards.helpers import seeded_for_module

CODE = re.compile(r"\b[0-9A-Z]{5}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The output of `seed_demo --scale small`, with its data in place for the whole module."""
    yield from seeded_for_module(django_db_blocker, "small")


@pytest.fixture
def logins(seeded, db):
    """demo_logins' output, and {username: password} read from it."""
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    passwords = dict(re.findall(r"(\w+) / (\S+)", text))
    return text, passwords


def test_small_seed_counts(seeded, db):
    assert District.objects.count() == 1
    assert Street.objects.count() == 3
    assert Community.objects.count() == 6
    assert 18 <= Neighbourhood.objects.count() <= 22
    assert 1500 <= Household.objects.count() <= 2500
    assert f"住户 {Household.objects.count():,} 户" in seeded
    # Every community has neighbourhoods, every neighbourhood buildings, every building stairwells.
    assert not Community.objects.filter(neighbourhoods__isnull=True).exists()
    assert not Neighbourhood.objects.filter(buildings__isnull=True).exists()
    assert not Building.objects.filter(stairwells__isnull=True).exists()
    assert not Stairwell.objects.filter(households__isnull=True).exists()


def test_households_sit_in_their_building_and_stairwell(seeded, db):
    assert not Household.objects.exclude(neighbourhood_id=F("building__neighbourhood_id")).exists()
    assert not Household.objects.exclude(building_id=F("stairwell__building_id")).exists()
    # Two flats per floor of every stairwell, on 4–7 floors.
    floors = Stairwell.objects.aggregate(low=Min("floors"), high=Max("floors"))
    assert 4 <= floors["low"] and floors["high"] <= 7
    for stairwell in Stairwell.objects.annotate(n=Count("households"))[:30]:
        assert stairwell.n == 2 * stairwell.floors
    areas = Household.objects.aggregate(low=Min("floor_area"), high=Max("floor_area"))
    assert Decimal("40") <= areas["low"] and areas["high"] <= Decimal("120")
    household = Household.objects.first()
    assert household.floor_area == household.floor_area.quantize(Decimal("0.01"))
    assert re.fullmatch(r"1\d{10}", household.phone)
    assert 2 <= len(household.owner_name) <= 3


def test_names_are_chinese_and_the_first_street_and_community_are_fixed(seeded, db):
    district = District.objects.get()
    assert district.name == "甜城区" and district.eligibility_cutoff.isoformat() == "2001-01-01"
    first_street = Street.objects.order_by("pk").first()
    assert first_street.name == "玉溪街道"
    assert first_street.communities.order_by("pk").first().name == "桂湖社区"
    assert all(name.endswith("街道") for name in Street.objects.values_list("name", flat=True))
    assert all(name.endswith("社区") for name in Community.objects.values_list("name", flat=True))
    names = list(Neighbourhood.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names)
    assert all(re.search(r"(宿舍|家属院|家属区|小区|生活区|号院)$", name) for name in names), names


def test_late_built_neighbourhoods_one_admitted_through_the_service(seeded, db):
    late = Neighbourhood.objects.filter(built_year__gte=2002)
    assert 1 <= late.count() <= 2
    assert all(2002 <= year <= 2005 for year in late.values_list("built_year", flat=True))
    early = Neighbourhood.objects.filter(built_year__lt=2002)
    assert not early.exclude(built_year__range=(1980, 2000)).exists()
    statuses = list(Neighbourhood.objects.annotate_eligibility().values_list("eligibility", flat=True))
    assert statuses.count(EligibilityStatus.ADMITTED) == 1
    admitted = late.exclude(admission_reason="").get()
    assert admitted.admitted_by.username == "admin" and admitted.admitted_at is not None
    assert AuditEntry.objects.filter(action="neighbourhood_admit", target_id=str(admitted.pk)).exists()


def test_some_owners_own_two_flats_under_one_id_hash(seeded, db):
    owners = Household.objects.values("owner_id_hash").annotate(
        flats=Count("id"), names=Count("owner_name", distinct=True)
    )
    assert all(re.fullmatch(r"[0-9a-f]{64}", row["owner_id_hash"]) for row in owners)
    two = [row for row in owners if row["flats"] == 2]
    assert max(row["flats"] for row in owners) == 2
    assert 0.02 * len(owners) <= len(two) <= 0.08 * len(owners)
    assert all(row["names"] == 1 for row in two)  # the same person: one name, one hash
    # Their two flats are in the same neighbourhood, which is where a vote counts them once.
    flats = Household.objects.filter(owner_id_hash=two[0]["owner_id_hash"])
    assert flats.values("neighbourhood").distinct().count() == 1


def test_demo_users_and_their_roles(seeded, db):
    usernames = [login.username for login in DEMO_LOGINS]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    assert set(users) == {"admin", "city", "district", "street", "community"}
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert all(u.is_staff and u.is_active for u in users.values())
    assert not any(users[name].is_superuser for name in ("city", "district", "street", "community"))
    related = ("user", "district", "street", "community__street")
    roles = {r.user.username: r for r in StaffRole.objects.select_related(*related)}
    assert set(roles) == {"city", "district", "street", "community"}
    assert roles["city"].kind == RoleKind.CITY_OFFICIAL and roles["city"].district is None
    assert roles["district"].kind == RoleKind.DISTRICT_OFFICIAL and roles["district"].district.name == "甜城区"
    assert roles["street"].kind == RoleKind.STREET_STAFF and roles["street"].street.name == "玉溪街道"
    assert roles["community"].kind == RoleKind.COMMUNITY_STAFF
    assert (roles["community"].community.street.name, roles["community"].community.name) == ("玉溪街道", "桂湖社区")


def test_if_empty_does_nothing_when_a_district_exists(seeded, db):
    before = (District.objects.count(), Neighbourhood.objects.count(), Household.objects.count())
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--if-empty", stdout=out)
    assert "跳过" in out.getvalue()
    assert (District.objects.count(), Neighbourhood.objects.count(), Household.objects.count()) == before
    with pytest.raises(CommandError, match="--if-empty"):
        call_command("seed_demo", "--scale", "small", stdout=StringIO())
    assert Household.objects.count() == before[2]


def test_demo_logins_names_every_role_with_its_territory(logins):
    text, passwords = logins
    assert "http://127.0.0.1:8000/admin/" in text
    assert set(passwords) == {"admin", "city", "district", "street", "community"}
    for label in ("超级管理员", *RoleKind.labels):
        assert str(label) in text
    assert re.search(r"community / \S+\s+— 甜城区 玉溪街道 桂湖社区", text)
    assert re.search(r"street / \S+\s+— 甜城区 玉溪街道\n", text)
    assert re.search(r"district / \S+\s+— 甜城区\n", text)
    assert re.search(r"city / \S+\s+— 全市各区", text)
    assert "http://127.0.0.1:8000/dashboards/" in text


def test_demo_logins_prints_codes_that_open_their_household(logins):
    text, _ = logins
    codes = CODE.findall(text)
    assert len(codes) == 2
    first = Neighbourhood.objects.filter(community__name="桂湖社区").order_by("pk").first()
    for code in codes:
        household = household_for_code(code)
        assert household is not None and household.neighbourhood == first
        line = next(line for line in text.splitlines() if code in line)
        assert first.name in line and household.building.name in line and f"{household.room}室" in line
    # Printing again issues fresh codes: the old ones stop working.
    call_command("demo_logins", stdout=StringIO())
    assert household_for_code(codes[0]) is None


# What each demo login must see on the neighbourhood list, as a filter on Neighbourhood.
TERRITORY = {
    "admin": {},
    "district": {"community__street__district__name": "甜城区"},
    "street": {"community__street__name": "玉溪街道"},
    "community": {"community__name": "桂湖社区", "community__street__name": "玉溪街道"},
}


@pytest.mark.parametrize("username", list(TERRITORY))
def test_each_demo_login_lands_in_its_own_territory(logins, username):
    """Every login sees its territory and nothing else. The small seed has one district, so a
    neighbouring district is added here: the district official must not see it."""
    from tests.factories import NeighbourhoodFactory

    NeighbourhoodFactory(
        name="邻区小区", community__name="邻区社区", community__street__district__name="邻区"
    )
    _, passwords = logins
    client = Client()
    assert client.login(username=username, password=passwords[username])
    assert client.get(reverse("admin:index")).status_code == 200
    page = client.get(reverse("admin:governance_neighbourhood_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    inside = set(Neighbourhood.objects.filter(**TERRITORY[username]).values_list("name", flat=True))
    outside = set(Neighbourhood.objects.values_list("name", flat=True)) - inside
    assert inside
    assert username == "admin" or outside
    for name in inside:
        assert f">{name}<" in html, name
    for name in outside:
        assert f">{name}<" not in html, name


def test_each_printed_code_reaches_an_open_demand_list_questionnaire_and_vote(logins):
    """The codes `make run` prints lead to a household with every resident task open and
    untouched, and the printout says so beside each code."""
    text, _ = logins
    assert "http://127.0.0.1:8000/code/" in text
    codes = CODE.findall(text)
    assert len(codes) == 2
    for code in codes:
        line = next(line for line in text.splitlines() if code in line)
        assert "需求清单、问卷、表决" in line and "demand list, questionnaire, vote" in line
        household = household_for_code(code)
        lists, votes, questionnaires = resident_home(household)
        assert [dl.is_open for dl in lists] == [True]
        assert [q.status for q in questionnaires] == [QuestionnaireStatus.OPEN]
        assert len(votes) == 1 and votes[0].status == VoteStatus.OPEN and votes[0].closes_at > timezone.now()
        # Nothing done yet by this household, while its neighbours have taken part.
        assert not DemandSubmission.objects.filter(household=household).exists()
        assert not Ballot.objects.filter(household=household).exists()
        assert not Response.objects.filter(household=household).exists()
        assert DemandSubmission.objects.filter(demand_list=lists[0]).exists()
        assert Ballot.objects.filter(vote=votes[0]).exists()
        assert Response.objects.filter(questionnaire=questionnaires[0]).exists()
        # The resident's own path: the code at /code/, then /me/ offers the three tasks.
        client = Client()
        entered = client.post(reverse("residents:entry"), {"code": code})
        assert entered.status_code == 302 and entered["Location"] == reverse("surveys:home")
        html = client.get(reverse("surveys:home")).content.decode()
        for task in ("填写需求清单", "填写问卷", "参加表决"):
            assert task in html, task


def test_the_resident_story_is_a_consultation_at_d1(seeded, db):
    """The first project: the first neighbourhood of 桂湖社区 alone, its 三下三上 at D1."""
    first = Neighbourhood.objects.filter(community__name="桂湖社区").order_by("pk").first()
    project = Project.objects.order_by("pk").first()
    assert project.stage == Stage.CONSULTATION and list(project.neighbourhoods.all()) == [first]
    steps = list(project.consultation.steps.order_by("order").values_list("code", "status"))
    assert steps[0] == ("D1", StepStatus.OPEN)
    assert all(status == StepStatus.PENDING for _, status in steps[1:])
    assert DemandList.objects.get(project=project).is_open


@pytest.mark.parametrize("username", ["community", "street"])
def test_staff_logins_find_a_consultation_a_vote_to_close_and_a_subsidy_plan(logins, username):
    _, passwords = logins
    user = get_user_model().objects.get(username=username)
    now = timezone.now()
    today = timezone.localdate()

    process = scope(ConsultationProcess.objects.all(), user).filter(steps__status=StepStatus.OPEN).first()
    assert process is not None and process.project.stage == Stage.CONSULTATION
    demand_list = scope(DemandList.objects.filter(is_open=True), user).first()
    assert demand_list is not None
    to_close = scope(Vote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now), user).first()
    assert to_close is not None and to_close.ballots.exists()
    plan = scope(SubsidyPlan.objects.all(), user).first()
    assert plan is not None

    # Each shows on the login's admin lists (they were empty before the demo told its story).
    client = Client()
    assert client.login(username=username, password=passwords[username])
    for name, shown in (
        ("surveys_consultationprocess", process.project.name),
        ("surveys_demandlist", demand_list.neighbourhood.name),
        ("surveys_vote", to_close.title),
        ("funding_subsidyplan", plan.name),
    ):
        page = client.get(reverse(f"admin:{name}_changelist"))
        assert page.status_code == 200 and shown in page.content.decode(), name

    # The subsidy plan: a paid year, a withheld year (failing assessment), a year fallen due that
    # waits for its assessment, and the running year.
    years = {i.year: i for i in plan.installments.order_by("year")}
    paid, withheld, due, running = years[1], years[2], years[3], years[4]
    assert paid.status == InstallmentStatus.PAID and paid.amount > 0
    assert sum(p.amount for p in paid.payments.all()) == paid.amount
    assert withheld.status == InstallmentStatus.WITHHELD and withheld.assessment is not None
    assert withheld.score < 70 and withheld.amount is None
    assert due.due_on <= today and due.assessment is None
    assert due.status in (InstallmentStatus.DUE, InstallmentStatus.WITHHELD) and due.waiting_for()
    # Each decided year was decided by the assessment of that plan year (its period is the year).
    for decided in (paid, withheld):
        assert decided.assessment.period_start == decided.period_start
        assert decided.assessment.period_end == decided.period_end - datetime.timedelta(days=1)
    assert running.status == InstallmentStatus.SCHEDULED and running.period_start <= today < running.due_on

    # The vote to close closes for this login, through the service, with its verdict counted.
    closed = vote_close(vote=to_close, actor=user)
    assert closed.status == VoteStatus.CLOSED and closed.result["voting_owners"] > 0


def test_demo_logins_tells_staff_what_to_try(logins):
    text, _ = logins
    assert "协商进行中（consultation in progress）" in text
    assert "待结束计票（vote to close）" in text
    assert re.search(
        r"第1年已发放，第2年暂缓发放（考核 6\d\.00 分），第3年暂缓发放（已到期，等待\d{4}年度考核[^）]*）），第4年待到期", text
    )


def test_the_plan_story_has_its_plan_vote_ready_to_close(seeded, db):
    """The second consultation project: D1 done (its lists closed), U1 approved, D2 open with its
    opinions answered, the final plan's vote over and waiting to be closed."""
    project = Project.objects.filter(stage=Stage.CONSULTATION).order_by("pk")[1]
    steps = [s.status for s in project.consultation.steps.order_by("order")]
    assert steps[:3] == [StepStatus.DONE, StepStatus.DONE, StepStatus.OPEN]
    assert not project.demand_lists.filter(is_open=True).exists()
    assert DemandSubmission.objects.filter(demand_list__project=project).exists()
    assert project.plan_versions.filter(kind="final").exists()
    assert not project.consultation.opinions.filter(answer="pending").exists()
    vote = Vote.objects.get(project=project, matter_type="renovation_plan")
    assert vote.status == VoteStatus.OPEN and vote.closes_at <= timezone.now() and vote.ballots.exists()


def test_the_census_sample_imports_into_the_demo_through_the_admin_page(logins):
    """docs/samples/census_sample.csv (the README's sample) names the demo's first community, so the
    demo's community staff can import it on the admin's census import page as it is."""
    sample = Path(settings.BASE_DIR) / "docs" / "samples" / "census_sample.csv"
    _, passwords = logins
    client = Client()
    assert client.login(username="community", password=passwords["community"])
    before = Household.objects.count()

    with sample.open("rb") as fh:
        response = client.post(reverse("admin:residents_household_import"), {"file": fh})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Household.objects.count() == before + 48
    imported = Neighbourhood.objects.filter(name__startswith="新华中路")
    assert sorted(imported.values_list("name", "community__name", "community__street__name")) == [
        ("新华中路1号院", "桂湖社区", "玉溪街道"),
        ("新华中路2号院", "桂湖社区", "玉溪街道"),
    ]
    statuses = set(imported.annotate_eligibility().values_list("eligibility", flat=True))
    assert statuses == {EligibilityStatus.ELIGIBLE}  # built 1983 and 1985
    entry = AuditEntry.objects.get(action="census_import")
    assert entry.actor.username == "community"
    assert entry.details["households"] == {"created": 48, "updated": 0, "unchanged": 0}


def test_the_community_login_sees_its_bodies_due_for_reelection_and_its_party_ledger(logins):
    """Issue 13: 桂湖社区 has a party branch, the working group it leads, an owners' committee listed 待换届, ledger rows and a
    vanguard team; the community login reaches them in the admin, phones on staff pages only."""
    from governance.bodies import Body, PartyMember, VanguardTeam

    community = Community.objects.get(name="桂湖社区")
    assert set(Body.objects.filter(community=community).values_list("kind", flat=True)) == {
        "party_branch",
        "working_group",
        "owners_committee",
    }
    group = Body.objects.get(community=community, kind="working_group")
    assert group.led_by.kind == "party_branch"
    due = Body.objects.filter(community=community).due_for_reelection()
    assert list(due.values_list("kind", flat=True)) == ["owners_committee"]
    assert PartyMember.objects.filter(community=community).count() >= 3
    assert VanguardTeam.objects.get(community=community).members.count() == 3
    _, passwords = logins
    client = Client()
    assert client.login(username="community", password=passwords["community"])
    html = client.get(reverse("admin:governance_body_changelist") + "?reelection=due").content.decode()
    assert due.get().name in html
    html = client.get(reverse("admin:governance_partymember_changelist")).content.decode()
    assert "黄小军" in html
    assert not AuditEntry.objects.filter(summary__contains="1380000").exists()
    assert not AuditEntry.objects.filter(details__icontains="1380000").exists()
