"""One small world with a row of every model the admin shows, in community C11 (street S1) so that
every writing role manages it, built through the services where they exist. Used by the tests that
walk the whole admin (tests/test_admin_every_model.py, tests/test_admin_read_only.py)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token, TokenProxy

from governance.models import AuditEntry, LoginCounter
from governance.models import ManagementMode
from governance.grid import GridRole
from governance.services_grid import grid_role_save
from governance.services_management import arrangement_start, assessment_record
from tests.factories import district_with_two_streets, neighbourhood_with_households, provider_of, role_users


def build_world():
    """The world, built part by part in a fixed order (the order fixes every row's id): the
    territory and its users, the project in acceptance and its records, a resident's report, the
    consultation, its questionnaires and an open vote, the candidate project, the money, long-term
    management and its subsidy plan, self-governance bodies, joint meetings, star ratings,
    disclosure, re-elections, then the accounts. Returns a namespace of the rows, with `rows`
    mapping each admin model's label to the row its change page opens."""
    from projects.catalogue_data import ensure_national_menu

    ensure_national_menu()
    now = timezone.now()
    w = _territory()
    _project_records(w, now)
    _resident_report(w)
    _consultation(w)
    _questionnaires_and_vote(w)
    _candidate_project(w)
    _money(w)
    _management(w, now)
    _subsidy_plan(w)
    _self_governance(w)
    _joint_meeting(w)
    _star_rating(w)
    _disclosure(w)
    _elections(w)
    _accounts(w, now)
    w.rows = _admin_rows(w)
    return w


def _territory():
    """District, streets and communities, four neighbourhoods with households, the role users, and
    the building, stairwell and households of 新华里 (n111) the other parts use."""
    from projects.models import CatalogueItem

    w = SimpleNamespace(today=timezone.localdate(), **district_with_two_streets())
    c11 = w.c11
    w.n111 = neighbourhood_with_households(c11, "新华里")
    w.n112 = neighbourhood_with_households(c11, "新华二里", households=2)
    w.n121 = neighbourhood_with_households(w.c12, "东风里")
    w.n211 = neighbourhood_with_households(w.c21, "北门里")
    w.users = SimpleNamespace(**role_users(w.district, w.s1, c11))
    w.households = list(w.n111.households.order_by("pk"))
    w.building = w.n111.buildings.get()
    w.stairwell = w.building.stairwells.get()
    w.roads = CatalogueItem.objects.get(code="roads")
    return w


def _project_records(w, now):
    """A project in acceptance (GZ-A) and its records: a scope line, a progress report, a finding,
    an acceptance, a photo, a notice and an objection to it."""
    from projects.choices import Stage
    from projects.models import Acceptance, Notice, ProgressReport, SupervisionFinding
    from projects.services import finding_save, notice_save, objection_submit, photo_upload
    from tests.projects.factories import ProjectFactory
    from tests.projects.helpers import scope_line
    from tests.surveys.helpers import jpeg_upload

    today, actor = w.today, w.users.street
    w.project = ProjectFactory(
        code="GZ-A",
        name="新华里改造",
        lead_street=w.s1,
        neighbourhoods=[w.n111],
        contractor="甜城建工",
        started_on=today - datetime.timedelta(days=90),
    )
    w.project.__class__.objects.filter(pk=w.project.pk).update(stage=Stage.ACCEPTANCE)
    w.project.refresh_from_db()
    w.scope_item = scope_line(w.project, w.n111, w.roads, "100", "180.00")
    w.report = ProgressReport.objects.create(
        project=w.project,
        month=(today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1),
        percent_complete=Decimal("60"),
        investment_to_date=Decimal("500000.00"),
        reported_by=actor,
    )
    w.finding = finding_save(
        finding=SupervisionFinding(
            project=w.project, source="staff", supervisor_name="王工", description="护栏松动", opened_at=now
        ),
        actor=actor,
    )
    w.acceptance = Acceptance.objects.create(
        project=w.project,
        accepted_on=today,
        participants="街道、社区、施工、监理",
        resident_representatives="张三、李四",
        satisfaction_rate=Decimal("96.5"),
        passed=True,
    )
    w.photo = photo_upload(
        project=w.project, kind="before", upload=jpeg_upload(), caption="改造前", actor=actor
    )
    w.notice = notice_save(
        notice=Notice(
            project=w.project,
            kind="plan",
            title="改造方案公示",
            body="方案全文",
            starts_on=today - datetime.timedelta(days=2),
            ends_on=today + datetime.timedelta(days=5),
        ),
        actor=actor,
    )
    w.objection = objection_submit(notice=w.notice, household=w.households[0], text="楼道灯位置不合理")


def _resident_report(w):
    """A resident's report on the works quality."""
    from residents.services_reports import report_submit

    w.resident_report = report_submit(household=w.households[3], category="works_quality", text="外墙开裂")


def _consultation(w):
    """A project in consultation (GZ-C) with its process: a demand list and a submission, a meeting,
    a visit, an opinion, a plan version."""
    from surveys.choices import PlanKind
    from surveys.models import Meeting, Opinion, PlanVersion, Visit
    from surveys.services import (
        demand_lists_open,
        demand_submit,
        meeting_save,
        opinion_save,
        plan_version_save,
        process_start,
        visit_save,
    )
    from tests.projects.factories import ProjectFactory

    today, actor = w.today, w.users.street
    w.consulting = ProjectFactory(code="GZ-C", name="新华里协商", lead_street=w.s1, neighbourhoods=[w.n111])
    w.process = process_start(project=w.consulting, actor=actor)
    w.d1 = w.process.steps.get(order=1)
    (w.demand_list,) = demand_lists_open(project=w.consulting, actor=actor)
    w.submission = demand_submit(
        demand_list=w.demand_list, household=w.households[1], items=[w.roads], text="修路"
    )
    w.meeting = Meeting(
        process=w.process,
        step=w.d1,
        neighbourhood=w.n111,
        kind="courtyard",
        held_on=today,
        place="社区活动室",
        attendees=30,
        households_represented=20,
    )
    meeting_save(meeting=w.meeting, actor=actor)
    w.visit = Visit(process=w.process, step=w.d1, household=w.households[2], staff=actor, visited_on=today)
    visit_save(visit=w.visit, actor=actor)
    w.opinion = opinion_save(
        opinion=Opinion(
            process=w.process, step=w.d1, neighbourhood=w.n111, source="meeting", text="希望加装电梯"
        ),
        actor=actor,
    )
    w.plan = plan_version_save(
        plan=PlanVersion(project=w.consulting, kind=PlanKind.PRELIMINARY, title="初步方案", summary="道路"),
        actor=actor,
    )


def _questionnaires_and_vote(w):
    """A questionnaire of GZ-C, an open one of 新华里 with a response; an open vote with a ballot."""
    from surveys.choices import BallotChannel
    from surveys.models import Question, Questionnaire
    from surveys.services import ballot_cast, questionnaire_save, questionnaire_set_status, response_submit
    from tests.surveys.helpers import open_vote

    actor = w.users.street
    w.questionnaire = Questionnaire(neighbourhood=w.n111, project=w.consulting, title="满意度调查")
    questionnaire_save(questionnaire=w.questionnaire, actor=actor, questions=[])
    w.open_questionnaire = Questionnaire(neighbourhood=w.n111, title="停车需求调查")
    questionnaire_save(
        questionnaire=w.open_questionnaire,
        actor=actor,
        questions=[(Question(text="您家有几辆车？", kind="text", required=True), [])],
    )
    questionnaire_set_status(questionnaire=w.open_questionnaire, status="open", actor=actor)
    question = w.open_questionnaire.questions.get()
    w.response = response_submit(
        questionnaire=w.open_questionnaire,
        household=w.households[0],
        answers={question.pk: "1"},
        channel="paper",
        actor=actor,
    )
    w.vote = open_vote(w.n111, actor)
    w.ballot = ballot_cast(
        vote=w.vote, household=w.households[0], choice="agree", channel=BallotChannel.PAPER, actor=actor
    )


def _candidate_project(w):
    """A candidate project (GZ-N) of 新华二里 (n112), with no process yet."""
    from tests.projects.factories import ProjectFactory

    w.candidate = ProjectFactory(code="GZ-N", name="新华二里改造", lead_street=w.s1, neighbourhoods=[w.n112])


def _money(w):
    """A funding source of street S1, a commitment to GZ-A and a disbursement, public income."""
    from funding.choices import SourceKind
    from funding.models import FundingSource, PublicIncome
    from funding.services import commitment_create, disbursement_create, public_income_save

    today, actor = w.today, w.users.street
    w.source = FundingSource.objects.create(
        name="区级财政资金",
        kind=SourceKind.DISTRICT_BUDGET,
        provider="甜城区财政局",
        amount_held=Decimal("800000.00"),
        district=w.district,
        street=w.s1,
    )
    w.commitment = commitment_create(
        source=w.source, project=w.project, amount=Decimal("300000.00"), committed_on=today, actor=actor
    )
    w.disbursement = disbursement_create(
        commitment=w.commitment,
        amount=Decimal("100000.00"),
        paid_on=today,
        payee="甜城建工",
        voucher_number="PZ-001",
        actor=actor,
    )
    w.income = PublicIncome(
        neighbourhood=w.n111,
        kind="parking",
        amount=Decimal("12000.00"),
        period_start=today.replace(month=1, day=1),
        period_end=today,
        use="楼道照明维修",
    )
    public_income_save(income=w.income, actor=actor)


def _management(w, now):
    """Long-term management of 新华里: a provider, a grid role, an arrangement and an assessment."""
    today, actor = w.today, w.users.street
    w.provider = provider_of(w.n111)
    w.grid_role = grid_role_save(
        role=GridRole(neighbourhood=w.n111, kind="building_head", name="李楼长", phone="13800003003"),
        buildings=[w.building],
        actor=actor,
    )
    w.arrangement = arrangement_start(
        neighbourhood=w.n111,
        mode=ManagementMode.PROFESSIONAL,
        provider=w.provider,
        started_on=today - datetime.timedelta(days=400),
        fee_per_m2_month=Decimal("0.80"),
        actor=actor,
    )
    w.assessment = assessment_record(
        arrangement=w.arrangement,
        year=today.year - 1,
        score=85,
        assessor="街道考核组",
        items={"收费率": "20"},
        assessed_at=now,
        actor=actor,
    )


def _subsidy_plan(w):
    """A subsidy plan of the arrangement and the first installment of its schedule."""
    from funding.services import subsidy_plan_create

    w.subsidy_plan = subsidy_plan_create(
        neighbourhood=w.n111,
        arrangement=w.arrangement,
        area=Decimal("10000.00"),
        start_on=w.today - datetime.timedelta(days=30),
        rates=["1.20", "0.80"],
        payers=[{"source": None, "payer_name": "区财政局", "share": "100"}],
        actor=w.users.street,
    )
    w.installment = w.subsidy_plan.installments.order_by("year").first()


def _self_governance(w):
    """Self-governance: a rule of the district, a body with members, a ledger row, a vanguard team."""
    from governance.bodies import Body, BodyMember, CompositionRule, PartyMember, VanguardTeam
    from governance.services import territory_record_save
    from governance.services_bodies import body_save, vanguard_team_save

    today, actor = w.today, w.users.street
    w.composition_rule = territory_record_save(
        instance=CompositionRule(
            district=w.district, kind="owners_committee", odd_members=True, min_members=3
        ),
        actor=w.users.superuser,
    )
    w.body = body_save(
        body=Body(
            community=w.c11,
            neighbourhood=w.n111,
            kind="owners_committee",
            name="新华里业主委员会",
            term_start=today - datetime.timedelta(days=1000),
            term_end=today + datetime.timedelta(days=30),
        ),
        members=[
            BodyMember(name="周主任", role="director", is_owner=True, phone="13800000001"),
            BodyMember(name="吴委员", role="member", is_owner=True),
            BodyMember(name="郑委员", role="member", is_owner=False, party_status="retired"),
        ],
        actor=actor,
    )
    w.party_member = territory_record_save(
        instance=PartyMember(
            community=w.c11, neighbourhood=w.n111, name="冯党员", category="in_service", phone="13800000002"
        ),
        actor=actor,
    )
    w.vanguard_team = vanguard_team_save(
        team=VanguardTeam(community=w.c11, name="楼道清洁先锋队"), members=[w.party_member], actor=actor
    )


def _joint_meeting(w):
    """Joint meetings: a community meeting with one resolution."""
    from governance.meetings import JointMeeting, Resolution
    from governance.services_meetings import joint_meeting_save

    today = w.today
    w.joint_meeting = joint_meeting_save(
        meeting=JointMeeting(
            community=w.c11, kind="party_joint", held_on=today - datetime.timedelta(days=10), title="新华社区党建联席会议",
            participants="社区党委\n物业公司", topics="楼道照明",
        ),
        resolutions=[Resolution(text="更换楼道灯", responsible_unit="物业公司", due_on=today + datetime.timedelta(days=20))],
        actor=w.users.street,
    )
    w.resolution = w.joint_meeting.resolutions.get()


def _star_rating(w):
    """Star ratings: the shipped five-star scheme, a star awarded to 新华里."""
    from governance.services_stars import star_rating_save
    from governance.stars import StarRating, five_star_scheme

    w.star_scheme = five_star_scheme()
    w.star_dimensions = {d.code: d for d in w.star_scheme.dimensions.all()}
    w.star_rating = star_rating_save(
        rating=StarRating(
            neighbourhood=w.n111, dimension=w.star_dimensions["safety"], year=w.today.year, evidence="消防检查合格",
            rater="街道星级评定小组", rated_on=w.today - datetime.timedelta(days=5),
        ),
        actor=w.users.street,
    )


def _disclosure(w):
    """Disclosure: a property services entry of 新华里 (no attachment: the world stores no file)."""
    from governance.disclosure import Disclosure
    from governance.services_disclosure import disclosure_save

    w.disclosure = disclosure_save(
        disclosure=Disclosure(
            neighbourhood=w.n111, category="property_services", title="物业服务收支公开", body="第三季度收支",
            published_on=w.today,
        ),
        actor=w.users.street,
    )


def _elections(w):
    """Re-election: two passed votes electing the committee of 新华里, one used by a re-election."""
    from surveys.services.reelections import reelection_record

    w.election, w.free_election = _election(w), _election(w)
    elected_on = timezone.localdate(w.election.closed_at)
    w.reelection = reelection_record(
        body=w.body,
        vote=w.election,
        term_start=elected_on,
        term_end=elected_on + datetime.timedelta(days=5 * 365),
        actor=w.users.street,
    )


def _election(w):
    """A vote electing the committee of 新华里, every household agreeing, closed."""
    from surveys.choices import BallotChannel, MatterType
    from surveys.services import ballot_cast, vote_close
    from tests.surveys.helpers import open_vote

    actor = w.users.street
    vote = open_vote(w.n111, actor, matter=MatterType.ELECT_COMMITTEE)
    for household in w.households:
        ballot_cast(vote=vote, household=household, choice="agree", channel=BallotChannel.PAPER, actor=actor)
    return vote_close(vote=vote, actor=actor, now=vote.closes_at + datetime.timedelta(seconds=1))


def _accounts(w, now):
    """Django's own accounts and the login check: a group, a login counter, an API token."""
    w.group = Group.objects.create(name="审核组")
    w.login_counter = LoginCounter.objects.create(
        kind=LoginCounter.Kind.ACCOUNT_CLIENT,
        username="street1",
        client="203.0.113.9",
        failures=3,
        last_failure_at=now,
        expires_at=now + datetime.timedelta(hours=1),
    )
    w.token = TokenProxy.objects.get(user=Token.objects.create(user=w.users.community).user)


def _admin_rows(w):
    """Each admin model's label -> the world's row its change page opens (the audit entry: the last
    one the street user wrote while the world was built). A table, one line a model: long by
    design."""
    return {
        "auth.Group": w.group,
        "auth.User": w.users.community,
        "authtoken.TokenProxy": w.token,
        "governance.LoginCounter": w.login_counter,
        "governance.AuditEntry": AuditEntry.objects.filter(actor=w.users.street).order_by("-pk").first(),
        "governance.District": w.district,
        "governance.Street": w.s1,
        "governance.Community": w.c11,
        "governance.Neighbourhood": w.n111,
        "governance.Building": w.building,
        "governance.Stairwell": w.stairwell,
        "residents.Household": w.households[0],
        "governance.ManagementArrangement": w.arrangement,
        "governance.Provider": w.provider,
        "governance.GridRole": w.grid_role,
        "governance.Assessment": w.assessment,
        "governance.CompositionRule": w.composition_rule,
        "governance.Body": w.body,
        "governance.PartyMember": w.party_member,
        "governance.VanguardTeam": w.vanguard_team,
        "governance.JointMeeting": w.joint_meeting,
        "governance.Resolution": w.resolution,
        "governance.StarScheme": w.star_scheme,
        "governance.StarRating": w.star_rating,
        "governance.Disclosure": w.disclosure,
        "surveys.Reelection": w.reelection,
        "projects.CatalogueItem": w.roads,
        "projects.Project": w.project,
        "projects.ScopeItem": w.scope_item,
        "projects.ProgressReport": w.report,
        "projects.SupervisionFinding": w.finding,
        "projects.Acceptance": w.acceptance,
        "projects.Photo": w.photo,
        "projects.Notice": w.notice,
        "projects.Objection": w.objection,
        "residents.ResidentReport": w.resident_report,
        "surveys.Vote": w.vote,
        "surveys.Ballot": w.ballot,
        "surveys.ProcessTemplate": w.process.template,
        "surveys.ConsultationProcess": w.process,
        "surveys.ConsultationStep": w.d1,
        "surveys.StepReview": None,  # made by the tests that need one (it moves the process on)
        "surveys.Meeting": w.meeting,
        "surveys.Visit": w.visit,
        "surveys.Opinion": w.opinion,
        "surveys.DemandList": w.demand_list,
        "surveys.DemandSubmission": w.submission,
        "surveys.Questionnaire": w.open_questionnaire,
        "surveys.Response": w.response,
        "surveys.PlanVersion": w.plan,
        "funding.FundingSource": w.source,
        "funding.Commitment": w.commitment,
        "funding.Disbursement": w.disbursement,
        "funding.PublicIncome": w.income,
        "funding.SubsidyPlan": w.subsidy_plan,
        "funding.SubsidyInstallment": w.installment,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for a test module; each test runs in a savepoint inside it (pytest-django's `db`),
    so what a test writes is gone for the next. Import `world` and `w` into the test module."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


@pytest.fixture
def w(world, db):
    return world
