"""Issue 11, item 6: every date typed in lies within DATES_EARLIEST–DATES_LATEST and the dates of
one record are in order; a refusal names the field, from the API, the admin and the services alike
(governance.bounds.check_dates in the models' clean(), subsidy_plan_exit for the exit date)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from funding.models import Commitment, PublicIncome
from funding.services import subsidy_plan_exit
from governance.models import ManagementArrangement
from projects.models import Notice, Project
from surveys.models import Vote
from surveys.services import vote_save
from tests.funding.conftest import make_source
from tests.funding.subsidy_helpers import plan
from tests.projects.factories import ProjectFactory
from tests.projects.helpers import project_api_body

pytestmark = pytest.mark.django_db
WINDOW = "超出允许范围（1900-01-01 至 2100-12-31）"


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def project(territory):
    return ProjectFactory(code="P1", lead_street=territory.s1, neighbourhoods=[territory.n111])


def test_a_commitment_dated_year_one_is_refused_by_the_api_and_the_admin(client, users, territory, project):
    source = make_source(territory)
    body = {"source": source.pk, "project": project.pk, "amount": "100.00", "committed_on": "0001-01-01"}
    response = _api(users.street).post("/api/v1/commitments/", body, format="json")
    assert response.status_code == 400
    assert response.json()["committed_on"] == [f"承诺日期 0001-01-01 {WINDOW}。"]
    client.force_login(users.street)
    response = client.post(
        reverse("admin:funding_commitment_add"),
        {
            **body,
            "document_number": "",
            "conditions": "",
            "disbursements-TOTAL_FORMS": "0",
            "disbursements-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and f"承诺日期 0001-01-01 {WINDOW}" in response.content.decode()
    assert not Commitment.objects.exists()


def test_a_notice_open_until_9999_is_refused(client, users, project):
    body = {
        "project": project.pk,
        "kind": "plan",
        "title": "方案公示",
        "body": "内容",
        "starts_on": "2026-03-01",
        "ends_on": "9999-12-31",
    }
    response = _api(users.community).post("/api/v1/notices/", body, format="json")
    assert response.status_code == 400
    assert response.json()["ends_on"] == [f"公示结束 9999-12-31 {WINDOW}。"]
    client.force_login(users.superuser)
    response = client.post(reverse("admin:projects_notice_add"), body)
    assert response.status_code == 200 and f"公示结束 9999-12-31 {WINDOW}" in response.content.decode()
    assert not Notice.objects.exists()


def test_an_arrangement_starting_in_9999_or_ending_before_it_starts_is_refused(users, territory):
    api = _api(users.community)
    body = {"neighbourhood": territory.n111.pk, "mode": "self_managed", "started_on": "9999-01-01"}
    response = api.post("/api/v1/management-arrangements/", body, format="json")
    assert response.status_code == 400
    assert response.json()["started_on"] == [f"开始日期 9999-01-01 {WINDOW}。"]
    arrangement = ManagementArrangement(
        neighbourhood=territory.n111,
        mode="self_managed",
        started_on=datetime.date(2024, 5, 1),
        ended_on=datetime.date(2024, 4, 30),
    )
    with pytest.raises(ValidationError) as refused:
        arrangement.full_clean()
    assert refused.value.message_dict["ended_on"] == ["结束日期（2024-04-30）不能早于开始日期（2024-05-01）。"]


def test_a_plan_exited_before_it_began_or_after_it_ended_is_refused(users, territory):
    row = plan(territory.n111, users.street, start_on=datetime.date(2024, 1, 1))  # three years
    api = _api(users.street)
    for on, message in (
        ("2023-12-31", "退出日期 2023-12-31 须在补贴计划期内（2024-01-01 至 2027-01-01）。"),
        ("2027-01-02", "退出日期 2027-01-02 须在补贴计划期内（2024-01-01 至 2027-01-01）。"),
        ("9999-01-01", f"日期 9999-01-01 {WINDOW}。"),
    ):
        response = api.post(f"/api/v1/subsidy-plans/{row.pk}/exit/", {"on": on}, format="json")
        assert response.status_code == 400, on
        assert response.json()["on"] == [message]
    with pytest.raises(ValidationError):
        subsidy_plan_exit(plan=row, on=datetime.date(2023, 6, 1), actor=users.street)
    response = api.post(f"/api/v1/subsidy-plans/{row.pk}/exit/", {"on": "2025-06-30"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "exited"


def test_public_income_dates_are_bounded_and_ordered(client, users, territory):
    client.force_login(users.community)
    body = {
        "neighbourhood": territory.n111.pk,
        "kind": "parking",
        "amount": "100.00",
        "period_start": "2025-03-01",
        "period_end": "2025-02-01",
        "use": "补充维修资金",
    }
    response = client.post(reverse("admin:funding_publicincome_add"), body)
    assert "期间结束（2025-02-01）不能早于期间开始（2025-03-01）" in response.content.decode()
    response = client.post(reverse("admin:funding_publicincome_add"), {**body, "period_start": "1000-01-01"})
    assert f"期间开始 1000-01-01 {WINDOW}" in response.content.decode()
    assert not PublicIncome.objects.exists()


def test_project_dates_are_bounded_and_ordered(users, territory):
    body = project_api_body(
        territory, "D-1", "日期项目", "1000.00", planned_start_on="2026-05-01", planned_end_on="9999-01-01"
    )
    api = _api(users.street)
    response = api.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert response.json()["planned_end_on"] == [f"计划完工日期 9999-01-01 {WINDOW}。"]
    response = api.post("/api/v1/projects/", {**body, "planned_end_on": "2026-04-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["planned_end_on"] == ["计划完工日期（2026-04-01）不能早于计划开工日期（2026-05-01）。"]
    assert not Project.objects.filter(code="D-1").exists()


def test_a_vote_closing_before_it_opens_or_in_9999_is_refused(users, territory):
    now = timezone.now()
    vote = Vote(
        title="表决",
        matter_type="renovation_plan",
        scope="neighbourhood",
        neighbourhood=territory.n111,
        opens_at=now,
        closes_at=now,
    )
    with pytest.raises(ValidationError) as refused:
        vote_save(vote=vote, actor=users.community)
    assert "须晚于开始时间" in refused.value.message_dict["closes_at"][0]
    vote.closes_at = now.replace(year=9999)
    with pytest.raises(ValidationError) as refused:
        vote_save(vote=vote, actor=users.community)
    assert WINDOW in refused.value.message_dict["closes_at"][0]
    assert not Vote.objects.exists()


FAR = datetime.date(9999, 1, 1)
FAR_TIME = timezone.make_aware(datetime.datetime(9999, 1, 1, 12, 0))


@pytest.mark.parametrize(
    "model, field, value",
    [
        ("governance.District", "eligibility_cutoff", FAR),
        ("governance.ManagementArrangement", "ended_on", FAR),
        ("governance.Assessment", "period_start", datetime.date(1, 1, 1)),
        ("governance.Assessment", "assessed_at", FAR_TIME),
        ("governance.Body", "term_end", FAR),
        ("governance.Body", "term_start", datetime.date(1, 1, 1)),
        ("governance.PartyMember", "joined_on", FAR),
        ("projects.Project", "completed_on", FAR),
        ("projects.ProgressReport", "month", datetime.date(1, 1, 1)),
        ("projects.SupervisionFinding", "opened_at", FAR_TIME),
        ("projects.Acceptance", "accepted_on", FAR),
        ("projects.Photo", "taken_at", FAR_TIME),
        ("projects.Notice", "starts_on", datetime.date(1, 1, 1)),
        ("surveys.Vote", "opens_at", FAR_TIME),
        ("surveys.Meeting", "held_on", FAR),
        ("surveys.Visit", "visited_on", datetime.date(1, 1, 1)),
        ("funding.Commitment", "committed_on", FAR),
        ("funding.Disbursement", "paid_on", datetime.date(1, 1, 1)),
        ("funding.PublicIncome", "period_end", FAR),
        ("funding.SubsidyPlan", "start_on", FAR),
    ],
)
def test_every_record_with_typed_dates_refuses_one_outside_the_window(model, field, value):
    """full_clean() (what every service and admin form runs) names the field and the window."""
    from django.apps import apps

    instance = apps.get_model(model)(**{field: value})
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    assert WINDOW in " ".join(refused.value.message_dict[field])
