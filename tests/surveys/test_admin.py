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

from .helpers import collecting_project, open_vote, saved_questionnaire

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


def _new_forms(prefix, total):
    """The management form of the inline formset `prefix`: `total` new forms, none stored."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _admin_add_saves(client, model_name, data):
    """POSTs `data` to the surveys admin's add page of `model_name`: it saves (a redirect)."""
    response = client.post(reverse(f"admin:surveys_{model_name}_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]


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
def test_the_whole_projects_aggregate_exports_from_any_of_its_lists(client, territory, users):
    from surveys.services import demand_submit

    project, process, lists = collecting_project(territory, users.community, [territory.n111, territory.n121])
    roads, lift = CatalogueItem.objects.get(code="roads"), CatalogueItem.objects.get(code="elevator_retrofit")
    a, b = territory.n111.households.order_by("pk")[0], territory.n121.households.order_by("pk")[0]
    demand_submit(demand_list=lists[a.neighbourhood_id], household=a, items=[roads, lift])
    demand_submit(demand_list=lists[b.neighbourhood_id], household=b, items=[lift])
    client.force_login(users.street)
    url = reverse("admin:surveys_demandlist_export", args=[lists[a.neighbourhood_id].pk, "csv"])
    assert (
        f"{url}?scope=project"
        in client.get(
            reverse("admin:surveys_demandlist_change", args=[lists[a.neighbourhood_id].pk])
        ).content.decode()
    )
    one = client.get(url).content.decode("utf-8-sig").splitlines()
    whole = client.get(f"{url}?scope=project").content.decode("utf-8-sig").splitlines()
    assert one[1:] == ["1,基础类,小区道路修缮,1,25.0,新华里", "2,完善类,既有住宅加装电梯,1,25.0,新华里"]
    assert whole[1:] == ["1,完善类,既有住宅加装电梯,2,25.0,", "2,基础类,小区道路修缮,1,12.5,"]


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
        **_new_forms("questions", 1),
        "questions-0-order": "1",
        "questions-0-text": "满意吗？",
        "questions-0-kind": "single",
        "questions-0-required": "on",
        "questions-0-options_text": "满意\n不满意",
    }
    _admin_add_saves(client, "questionnaire", data)
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
        **_new_forms("photos", 1),
        "photos-0-image": jpeg_upload("会议.jpg"),
        "photos-0-caption": "现场",
    }
    _admin_add_saves(client, "meeting", data)
    photo = MeetingPhoto.objects.get()
    assert photo.caption == "现场" and "会议" not in photo.image.name and photo.meeting.attendees == 25


@pytest.mark.django_db
def test_questionnaire_results_export(client, territory, users):
    q = saved_questionnaire(territory.n111, users.community)
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
        **_new_forms("steps", 2),
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
    _admin_add_saves(client, "processtemplate", data)
    template = ProcessTemplate.objects.get(name="一下一上")
    assert [(s.order, s.code) for s in template.steps.all()] == [(1, "D1"), (2, "U1")]
    client.force_login(users.street)
    assert client.get(reverse("admin:surveys_processtemplate_add")).status_code == 403


@pytest.mark.django_db
def test_responses_are_shown_read_only(client, territory, users):
    from surveys.models import Response
    from surveys.services import response_submit

    q = saved_questionnaire(territory.n111, users.community, opened=True)
    household = territory.n111.households.first()
    response_submit(questionnaire=q, household=household, answers={q.questions.get().pk: 4})
    client.force_login(users.community)
    page = client.get(
        reverse("admin:surveys_response_change", args=[Response.objects.get().pk])
    ).content.decode()
    assert "满意吗" in page and "<td>4</td>" in page


def _open_questionnaire(territory, users, neighbourhood=None):
    from surveys.choices import QuestionKind, QuestionnaireStatus
    from surveys.models import Question
    from surveys.services import questionnaire_save, questionnaire_set_status

    q = questionnaire_save(
        questionnaire=Questionnaire(neighbourhood=neighbourhood or territory.n111, title="停车调查"),
        actor=users.community if neighbourhood is None else users.superuser,
        questions=[
            (Question(text="有车吗", kind=QuestionKind.SINGLE), ["有", "没有"]),
            (Question(text="想要", kind=QuestionKind.MULTIPLE, required=False), ["充电桩", "车棚", "车位"]),
            (Question(text="满意吗", kind=QuestionKind.SCALE), []),
            (Question(text="建议", kind=QuestionKind.TEXT, required=False), []),
        ],
    )
    return questionnaire_set_status(
        questionnaire=q,
        status=QuestionnaireStatus.OPEN,
        actor=users.community if neighbourhood is None else users.superuser,
    )


@pytest.mark.django_db
def test_staff_enter_a_paper_questionnaire_response_with_their_name(client, territory, users):
    from surveys.models import Response

    q = _open_questionnaire(territory, users)
    q1, q2, q3, q4 = q.questions.order_by("order")
    yes = q1.options.get(text="有")
    charger, spaces = q2.options.get(text="充电桩"), q2.options.get(text="车位")
    household = territory.n111.households.order_by("pk").first()
    client.force_login(users.community)
    add = reverse("admin:surveys_response_add")
    picker = client.get(add).content.decode()
    assert f'<option value="{q.pk}">新华里 · 停车调查</option>' in picker
    url = f"{add}?questionnaire={q.pk}"
    form = client.get(url).content.decode()
    assert f'name="q{q1.pk}"' in form and "满意吗（必答）" in form and 'name="csrfmiddlewaretoken"' in form
    # The service's checks come back on the form; nothing is written.
    response = client.post(url, {"household": household.pk, "channel": "paper", f"q{q1.pk}": yes.pk})
    assert response.status_code == 200 and "第3题为必答题。" in response.content.decode()
    assert not Response.objects.exists()
    data = {
        "household": household.pk,
        "channel": "paper",
        f"q{q1.pk}": yes.pk,
        f"q{q2.pk}": [charger.pk, spaces.pk],
        f"q{q3.pk}": "4",
        f"q{q4.pk}": "多建车位",
    }
    response = client.post(url, data)
    saved = Response.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:surveys_response_change", args=[saved.pk])
    assert (saved.channel, saved.entered_by, saved.revisions) == ("paper", users.community, 0)
    given = {a.question_id: a for a in saved.answers.prefetch_related("options")}
    assert [o.pk for o in given[q1.pk].options.all()] == [yes.pk]
    assert sorted(o.pk for o in given[q2.pk].options.all()) == sorted([charger.pk, spaces.pk])
    assert (given[q3.pk].scale, given[q4.pk].text) == (4, "多建车位")
    # A visit form for the same household replaces its answers (one response per household).
    client.post(url, {**data, "channel": "visit", f"q{q3.pk}": "2", f"q{q4.pk}": ""})
    saved.refresh_from_db()
    assert (saved.channel, saved.revisions, Response.objects.count()) == ("visit", 1, 1)
    assert saved.answers.get(question=q3).scale == 2 and not saved.answers.filter(question=q4).exists()
    page = client.get(reverse("admin:surveys_questionnaire_change", args=[q.pk])).content.decode()
    assert f"{add}?questionnaire={q.pk}" in page


@pytest.mark.django_db
def test_paper_questionnaire_entry_is_scoped(client, territory, users):
    from surveys.models import Response

    inside = _open_questionnaire(territory, users)
    outside = _open_questionnaire(territory, users, neighbourhood=territory.n211)
    q1 = inside.questions.get(order=1)
    add = reverse("admin:surveys_response_add")
    client.force_login(users.community)
    assert f'value="{outside.pk}"' not in client.get(add).content.decode()
    assert client.get(f"{add}?questionnaire={outside.pk}").status_code == 404
    assert client.get(f"{add}?questionnaire=x").status_code == 404
    # A household of another neighbourhood (or territory) is not a valid choice.
    stranger = territory.n211.households.first()
    response = client.post(
        f"{add}?questionnaire={inside.pk}",
        {"household": stranger.pk, "channel": "paper", f"q{q1.pk}": q1.options.first().pk},
    )
    assert response.status_code == 200 and not Response.objects.exists()
    assert 'class="errorlist' in response.content.decode()
    # Online is not a staff channel.
    household = territory.n111.households.first()
    response = client.post(
        f"{add}?questionnaire={inside.pk}", {"household": household.pk, "channel": "online"}
    )
    assert response.status_code == 200 and not Response.objects.exists()
    # A district official reads but does not enter.
    client.force_login(users.official)
    assert client.get(add).status_code == 403
    assert client.get(reverse("admin:surveys_response_changelist")).status_code == 200


@pytest.mark.django_db
def test_staff_open_a_projects_demand_lists_from_the_add_page(client, territory, users):
    """The add page opens one list per neighbourhood of the project (issue 9 item 1: it answered
    500 and saved nothing)."""
    from surveys.models import DemandList
    from surveys.services import process_start
    from tests.projects.factories import ProjectFactory

    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121])
    process_start(project=project, actor=users.street)
    client.force_login(users.street)
    response = client.post(
        reverse("admin:surveys_demandlist_add"),
        {"project": project.pk, "intro": "请勾选需要的改造内容"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("admin:surveys_demandlist_changelist")
    lists = DemandList.objects.filter(project=project)
    assert {dl.neighbourhood for dl in lists} == {territory.n111, territory.n121}
    assert all(dl.is_open and dl.intro == "请勾选需要的改造内容" for dl in lists)
    page = response.content.decode()
    assert "已为2个小区建立需求清单" in page and "新华里" in page and "东风里" in page
