"""The surveys admin: scoped lists, paper ballots and offline demand forms through the services,
the step actions and reviews, the aggregate export."""

import pytest
from django.urls import reverse

from projects.models import CatalogueItem
from surveys.models import (
    Ballot,
    ConsultationProcess,
    DemandSubmission,
    Meeting,
    Opinion,
    PlanVersion,
    Questionnaire,
    StepReview,
    Vote,
)

from .helpers import collecting_project, open_vote

MODELS = [
    "vote",
    "ballot",
    "processtemplate",
    "consultationprocess",
    "consultationstep",
    "stepreview",
    "meeting",
    "visit",
    "opinion",
    "demandlist",
    "demandsubmission",
    "questionnaire",
    "planversion",
    "response",
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_and_add_page_opens_for_staff(client, users, model):
    client.force_login(users.street)
    assert client.get(reverse(f"admin:surveys_{model}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:surveys_{model}_add"))
    assert add.status_code in (200, 403)


@pytest.mark.django_db
def test_lists_are_scoped(client, territory, users):
    inside = open_vote(territory.n111, users.community)
    outside = open_vote(territory.n211, users.superuser)
    client.force_login(users.community)
    page = client.get(reverse("admin:surveys_vote_changelist")).content.decode()
    assert inside.title in page
    assert client.get(reverse("admin:surveys_vote_change", args=[outside.pk])).status_code == 404
    assert client.get(reverse("admin:surveys_vote_change", args=[inside.pk])).status_code == 200


@pytest.mark.django_db
def test_staff_enter_a_paper_ballot_with_their_name(client, territory, users):
    vote = open_vote(territory.n111, users.community)
    household = territory.n111.households.first()
    client.force_login(users.community)
    response = client.post(
        reverse("admin:surveys_ballot_add"), {"vote": vote.pk, "household": household.pk, "choice": "agree"}
    )
    assert response.status_code == 302
    ballot = Ballot.objects.get(vote=vote, household=household)
    assert ballot.channel == "paper" and ballot.entered_by == users.community
    page = client.get(reverse("admin:surveys_vote_change", args=[vote.pk])).content.decode()
    assert "参与 75.50" in page


@pytest.mark.django_db
def test_staff_enter_an_offline_demand_form_and_export_the_aggregate(
    client, territory, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    project, process, lists = collecting_project(territory, users.community)
    demand_list = lists[territory.n111.pk]
    household = territory.n111.households.first()
    roads = CatalogueItem.objects.get(code="roads")
    client.force_login(users.community)
    response = client.post(
        reverse("admin:surveys_demandsubmission_add"),
        {
            "demand_list": demand_list.pk,
            "household": household.pk,
            "items": [roads.pk],
            "text": "入户登记",
            "channel": "visit",
        },
    )
    assert response.status_code == 302
    submission = DemandSubmission.objects.get(household=household)
    assert submission.channel == "visit" and submission.entered_by == users.community
    assert list(submission.items.all()) == [roads]
    page = client.get(reverse("admin:surveys_demandlist_change", args=[demand_list.pk])).content.decode()
    assert "小区道路修缮" in page and "已提交1户" in page
    csv = client.get(reverse("admin:surveys_demandlist_export", args=[demand_list.pk, "csv"]))
    assert csv["Content-Type"].startswith("text/csv") and "小区道路修缮,1,25.0" in csv.content.decode(
        "utf-8-sig"
    )
    xlsx = client.get(reverse("admin:surveys_demandlist_export", args=[demand_list.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"


@pytest.mark.django_db
def test_processes_start_steps_complete_and_reviews_through_the_admin(client, territory, users):
    from tests.projects.factories import ProjectFactory

    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    client.force_login(users.community)
    from surveys.services import builtin_template

    response = client.post(
        reverse("admin:surveys_consultationprocess_add"),
        {"project": project.pk, "template": builtin_template().pk},
    )
    assert response.status_code == 302
    process = ConsultationProcess.objects.get(project=project)
    d1 = process.steps.get(code="D1")
    url = reverse("admin:surveys_consultationstep_changelist")
    page = client.post(
        url, {"action": "complete_steps", "_selected_action": [d1.pk]}, follow=True
    ).content.decode()
    assert "尚无开展记录" in page
    Meeting.objects.create(
        process=process,
        step=d1,
        neighbourhood=territory.n111,
        kind="assembly",
        held_on="2026-03-01",
        place="活动室",
        attendees=40,
    )
    page = client.post(
        url, {"action": "complete_steps", "_selected_action": [d1.pk]}, follow=True
    ).content.decode()
    assert "已完成1个步骤" in page
    u1 = process.steps.get(code="U1")
    response = client.post(
        reverse("admin:surveys_stepreview_add"),
        {"step": u1.pk, "decision": "returned", "department": "区住建局", "comments": "补充需求"},
    )
    assert response.status_code == 302
    review = StepReview.objects.get()
    assert review.reopened_step.code == "D1" and review.reviewer == users.community


@pytest.mark.django_db
def test_opinion_answer_and_questionnaire_through_the_admin(client, territory, users):
    project, process, lists = collecting_project(territory, users.community)
    client.force_login(users.community)
    response = client.post(
        reverse("admin:surveys_opinion_add"),
        {
            "process": process.pk,
            "neighbourhood": territory.n111.pk,
            "source": "meeting",
            "text": "加装电梯",
            "answer": "pending",
            "answer_text": "",
        },
    )
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    response = client.post(
        reverse("admin:surveys_opinion_change", args=[opinion.pk]),
        {
            "process": process.pk,
            "neighbourhood": territory.n111.pk,
            "source": "meeting",
            "text": "加装电梯",
            "answer": "not_adopted",
            "answer_text": "楼间距不足",
        },
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.answer == "not_adopted" and opinion.answered_by == users.community
    data = {
        "neighbourhood": territory.n111.pk,
        "title": "满意度调查",
        "intro": "",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-order": "1",
        "questions-0-text": "满意吗？",
        "questions-0-kind": "single",
        "questions-0-required": "on",
        "questions-0-options_text": "满意\n不满意",
    }
    response = client.post(reverse("admin:surveys_questionnaire_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    questionnaire = Questionnaire.objects.get()
    assert [o.text for o in questionnaire.questions.get().options.all()] == ["满意", "不满意"]


@pytest.mark.django_db
def test_the_official_reads_but_cannot_enter(client, territory, users):
    vote = open_vote(territory.n111, users.community)
    client.force_login(users.official)
    assert client.get(reverse("admin:surveys_vote_change", args=[vote.pk])).status_code == 200
    response = client.post(
        reverse("admin:surveys_ballot_add"),
        {"vote": vote.pk, "household": territory.n111.households.first().pk, "choice": "agree"},
    )
    assert response.status_code == 403
    assert not Vote.objects.exclude(pk=vote.pk).exists() and not PlanVersion.objects.exists()


@pytest.mark.django_db
def test_meeting_photos_go_through_the_photo_checks(client, territory, users, settings, tmp_path):
    from surveys.models import MeetingPhoto

    from .helpers import jpeg_upload

    settings.MEDIA_ROOT = tmp_path
    project, process, lists = collecting_project(territory, users.community)
    d1 = process.steps.get(code="D1")
    client.force_login(users.community)
    data = {
        "process": process.pk,
        "step": d1.pk,
        "neighbourhood": territory.n111.pk,
        "kind": "courtyard",
        "held_on": "2026-03-01",
        "place": "院坝",
        "attendees": "25",
        "households_represented": "20",
        "minutes": "",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
        "photos-0-image": jpeg_upload("会议.jpg"),
        "photos-0-caption": "现场",
    }
    response = client.post(reverse("admin:surveys_meeting_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = MeetingPhoto.objects.get()
    assert photo.caption == "现场" and "会议" not in photo.image.name and photo.meeting.attendees == 25


@pytest.mark.django_db
def test_questionnaire_results_export(client, territory, users):
    from surveys.choices import QuestionKind
    from surveys.models import Question
    from surveys.services import questionnaire_save

    q = questionnaire_save(
        questionnaire=Questionnaire(neighbourhood=territory.n111, title="调查"),
        actor=users.community,
        questions=[(Question(text="满意吗", kind=QuestionKind.SCALE), [])],
    )
    client.force_login(users.community)
    csv = client.get(reverse("admin:surveys_questionnaire_export", args=[q.pk, "csv"])).content.decode(
        "utf-8-sig"
    )
    assert (
        csv.splitlines()[0] == "题号,题目,题型,选项/分值,人数,占答题户比例(%)"
        and "1,满意吗,1–5分评价,5,0,0.0" in csv
    )
    assert client.get(reverse("admin:surveys_questionnaire_export", args=[q.pk, "pdf"])).status_code == 404


@pytest.mark.django_db
def test_a_superuser_defines_a_template_in_the_admin(client, territory, users):
    from surveys.models import ProcessTemplate

    client.force_login(users.superuser)
    data = {
        "name": "一下一上",
        "district": territory.district.pk,
        "description": "",
        "active": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-order": "1",
        "steps-0-code": "D1",
        "steps-0-direction": "down",
        "steps-0-name": "征集",
        "steps-0-closes_demand_list": "on",
        "steps-1-order": "2",
        "steps-1-code": "U1",
        "steps-1-direction": "up",
        "steps-1-name": "审核",
    }
    response = client.post(reverse("admin:surveys_processtemplate_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    template = ProcessTemplate.objects.get(name="一下一上")
    assert [(s.order, s.code) for s in template.steps.all()] == [(1, "D1"), (2, "U1")]
    client.force_login(users.street)
    assert client.get(reverse("admin:surveys_processtemplate_add")).status_code == 403


@pytest.mark.django_db
def test_responses_are_shown_read_only(client, territory, users):
    from surveys.choices import QuestionKind, QuestionnaireStatus
    from surveys.models import Question, Response
    from surveys.services import questionnaire_save, questionnaire_set_status, response_submit

    q = questionnaire_save(
        questionnaire=Questionnaire(neighbourhood=territory.n111, title="调查"),
        actor=users.community,
        questions=[(Question(text="满意吗", kind=QuestionKind.SCALE), [])],
    )
    questionnaire_set_status(questionnaire=q, status=QuestionnaireStatus.OPEN, actor=users.community)
    household = territory.n111.households.first()
    response_submit(questionnaire=q, household=household, answers={q.questions.get().pk: 4})
    client.force_login(users.community)
    page = client.get(
        reverse("admin:surveys_response_change", args=[Response.objects.get().pk])
    ).content.decode()
    assert "满意吗" in page and "<td>4</td>" in page
