"""The resident pages: entry with the household code and its attempt limits, the household's
page, the demand list form and receipt, the ballot and receipt, the public tally."""

import pytest
from django.urls import reverse

from residents.services import household_code_issue_one
from surveys.models import Ballot, DemandSubmission

from .helpers import collecting_project, jpeg_upload, open_vote, saved_questionnaire


@pytest.fixture
def resident(territory, users):
    household = territory.n111.households.order_by("pk").first()
    code = household_code_issue_one(household=household, actor=users.community)
    return household, code


def sign_in(client, code, next_url=""):
    return client.post(reverse("residents:entry"), {"code": code, "next": next_url})


@pytest.mark.django_db
def test_pages_without_a_session_send_the_resident_to_the_entry(client):
    response = client.get(reverse("surveys:home"))
    assert response.status_code == 302 and response["Location"] == "/code/?next=%2Fme%2F"


@pytest.mark.django_db
def test_entry_signs_in_and_goes_to_next_or_the_household_page(client, resident):
    household, code = resident
    response = sign_in(client, code.lower().replace("-", " "), "/me/")
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert client.session["resident_household_id"] == household.pk
    assert sign_in(client, code, "https://evil.example/")["Location"] == "/me/"
    page = client.get("/me/").content.decode()
    assert "新华里" in page and household.owner_name not in page
    client.post(reverse("residents:leave"))
    assert client.get("/me/").status_code == 302


@pytest.mark.django_db
def test_a_regenerated_code_ends_sessions_opened_with_the_old_one(client, resident, users):
    household, code = resident
    sign_in(client, code)
    assert client.get("/me/").status_code == 200
    household_code_issue_one(household=household, actor=users.community)
    assert client.get("/me/").status_code == 302


@pytest.mark.django_db
def test_wrong_codes_delay_the_client_that_made_them_never_the_household(client, resident):
    household, code = resident
    client.get(reverse("residents:entry"))  # the device cookie
    wrong = household.access_code_locator + "-0000-0000"
    for _ in range(5):
        response = sign_in(client, wrong)
        assert response.status_code == 400 and "户码不正确" in response.content.decode()
    response = sign_in(client, code)  # this browser made the mistakes: it waits, even with the right code
    assert response.status_code == 429 and response["Retry-After"] == "10"
    assert "错误户码次数过多，请等待10秒" in response.content.decode()
    # Another browser, even at the same address, signs in to this household at once.
    other = client.__class__()
    assert sign_in(other, code).status_code == 302
    assert sign_in(client.__class__(REMOTE_ADDR="10.0.0.9"), code).status_code == 302
    # (The rules in detail, and the per-address counter: tests/residents/test_throttle.py.)


@pytest.mark.django_db
def test_forms_carry_csrf_tokens(resident, territory, users):
    from django.test import Client

    household, code = resident
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("residents:entry"), {"code": code}).status_code == 403
    page = strict.get(reverse("residents:entry")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
def test_a_resident_submits_a_demand_list_and_sees_the_receipt(
    client, resident, territory, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    household, code = resident
    project, process, lists = collecting_project(territory, users.community)
    demand_list = lists[territory.n111.pk]
    sign_in(client, code)
    home = client.get("/me/").content.decode()
    assert "填写需求清单" in home
    url = reverse("surveys:demand", args=[demand_list.pk])
    page = client.get(url).content.decode()
    assert "基础类" in page and "既有住宅加装电梯" in page and 'enctype="multipart/form-data"' in page
    from projects.models import CatalogueItem

    roads, lift = CatalogueItem.objects.get(code="roads"), CatalogueItem.objects.get(code="elevator_retrofit")
    response = client.post(url, {"items": [roads.pk, lift.pk], "text": "楼道灯坏了", "photo1": jpeg_upload()})
    submission = DemandSubmission.objects.get(household=household)
    assert response.status_code == 302 and response["Location"] == f"/me/demand/receipt/{submission.receipt}/"
    receipt = client.get(response["Location"]).content.decode()
    assert submission.receipt in receipt and "小区道路修缮" in receipt and "附照片1张" in receipt
    # Nothing chosen: the form says so, nothing is written.
    response = client.post(url, {"text": ""})
    assert response.status_code == 400 and "请至少勾选一项" in response.content.decode()
    # The form starts from the current submission; a second one replaces it.
    assert f'value="{lift.pk}" id="item-{lift.pk}" checked' in client.get(url).content.decode()
    client.post(url, {"items": [roads.pk]})
    assert DemandSubmission.objects.filter(household=household, is_current=True).count() == 1
    # Another household cannot read this receipt.
    other = territory.n111.households.order_by("pk")[1]
    other_code = household_code_issue_one(household=other, actor=users.community)
    from django.test import Client

    stranger = Client()
    sign_in(stranger, other_code)
    assert stranger.get(f"/me/demand/receipt/{submission.receipt}/").status_code == 404


@pytest.mark.django_db
def test_a_resident_votes_and_the_public_tally_shows_aggregates_only(client, resident, territory, users):
    household, code = resident
    vote = open_vote(territory.n111, users.community)
    tally_url = reverse("surveys:tally", args=[vote.pk])
    before = client.get(tally_url).content.decode()
    assert 'data-figure="voting_owners">0<' in before
    sign_in(client, code)
    assert "参加表决" in client.get("/me/").content.decode()
    url = reverse("surveys:vote", args=[vote.pk])
    assert client.post(url, {"choice": "maybe"}).status_code == 400
    response = client.post(url, {"choice": "agree"})
    assert response.status_code == 302 and response["Location"] == f"/me/vote/{vote.pk}/receipt/"
    assert "同意" in client.get(response["Location"]).content.decode()
    assert Ballot.objects.get(vote=vote, household=household).channel == "online"
    after = client.get(tally_url).content.decode()
    assert 'data-figure="voting_owners">1<' in after and 'data-figure="agree_area">75.50<' in after
    for h in territory.n111.households.all():
        assert (
            h.owner_name not in after and h.phone not in after and f"{h.building.name} {h.room}" not in after
        )
    # The neighbourhood's public page lists the vote with a link to its tally (a section surveys
    # registers there), and names no one.
    public = client.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    assert 'id="votes"' in public and "改造方案表决" in public and tally_url in public
    assert all(h.owner_name not in public for h in territory.n111.households.all())
    other = client.get(reverse("projects:neighbourhood", args=[territory.n211.pk])).content.decode()
    assert 'id="votes"' not in other


@pytest.mark.django_db
def test_a_household_outside_the_scope_is_sent_to_the_tally(client, resident, territory, users):
    household, code = resident
    vote = open_vote(territory.n121, users.street)
    sign_in(client, code)
    response = client.get(reverse("surveys:vote", args=[vote.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("surveys:tally", args=[vote.pk])
    assert client.get(reverse("surveys:tally", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_a_resident_answers_a_questionnaire_and_may_change_it(client, resident, territory, users):
    from surveys.choices import QuestionKind
    from surveys.models import Question, Response

    household, code = resident
    questions = [
        (Question(text="有车吗？", kind=QuestionKind.SINGLE), ["有", "没有"]),
        (Question(text="满意度", kind=QuestionKind.SCALE), []),
        (Question(text="建议", kind=QuestionKind.TEXT, required=False), []),
    ]
    q = saved_questionnaire(territory.n111, users.community, questions, title="停车调查", opened=True)
    q1, q2, q3 = q.questions.order_by("order")
    yes = q1.options.get(text="有")
    sign_in(client, code)
    home = client.get("/me/").content.decode()
    assert "填写问卷" in home
    # The questionnaires are listed once, in the page's body; the title and head stay plain.
    assert "<title>我家的事项</title>" in home and home.count('id="q-title"') == 1
    assert home.index('id="q-title"') > home.index("<main")
    url = reverse("surveys:questionnaire", args=[q.pk])
    page = client.get(url).content.decode()
    assert f'name="q{q1.pk}" value="{yes.pk}"' in page and "（必答）" in page
    response = client.post(url, {f"q{q1.pk}": yes.pk})
    assert response.status_code == 400 and "第2题为必答题。" in response.content.decode()
    assert (
        client.post(url, {f"q{q1.pk}": yes.pk, f"q{q2.pk}": "4", f"q{q3.pk}": "多建车位"}).status_code == 302
    )
    assert f'value="{yes.pk}" id="o{yes.pk}" checked' in client.get(url).content.decode()
    client.post(url, {f"q{q1.pk}": yes.pk, f"q{q2.pk}": "5"})
    response_row = Response.objects.get(household=household)
    assert response_row.revisions == 1 and response_row.answers.count() == 2
    assert "修改问卷" in client.get("/me/").content.decode()


@pytest.mark.django_db
def test_over_long_texts_are_refused_naming_the_field_and_the_limit(client, resident, territory, users):
    """Without JavaScript (the test client runs none): the text areas carry no maxlength that
    would cut a pasted text silently, the counter's place says the limit, and the server's
    message names the field, the limit and the length typed."""
    from projects.models import CatalogueItem
    from surveys.choices import QuestionKind
    from surveys.models import Question
    from surveys.services import ANSWER_TEXT_MAX, DEMAND_TEXT_MAX

    household, code = resident
    project, process, lists = collecting_project(territory, users.community)
    sign_in(client, code)
    url = reverse("surveys:demand", args=[lists[territory.n111.pk].pk])
    page = client.get(url).content.decode()
    assert " maxlength=" not in page.split('name="text"', 1)[1].split(">", 1)[0]
    assert f'data-maxlength="{DEMAND_TEXT_MAX}"' in page and f"最多{DEMAND_TEXT_MAX}字。" in page
    roads = CatalogueItem.objects.get(code="roads")
    response = client.post(url, {"items": [roads.pk], "text": "灯" * (DEMAND_TEXT_MAX + 1)})
    assert response.status_code == 400
    assert f"“其他需求或说明”最多{DEMAND_TEXT_MAX}字，现有{DEMAND_TEXT_MAX + 1}字" in response.content.decode()
    assert not DemandSubmission.objects.exists()
    lines = ("灯" * 9 + "\r\n") * (DEMAND_TEXT_MAX // 10)  # as many as allowed, counting a break as one
    assert client.post(url, {"items": [roads.pk], "text": lines}).status_code == 302

    questions = [(Question(text="建议", kind=QuestionKind.TEXT, required=False), [])]
    q = saved_questionnaire(territory.n111, users.community, questions, title="停车调查", opened=True)
    question = q.questions.get()
    url = reverse("surveys:questionnaire", args=[q.pk])
    page = client.get(url).content.decode()
    assert " maxlength=" not in page.split(f'name="q{question.pk}"', 1)[1].split(">", 1)[0]
    assert f'data-counter-for="q{question.pk}-text"' in page and f"最多{ANSWER_TEXT_MAX}字。" in page
    response = client.post(url, {f"q{question.pk}": "车" * (ANSWER_TEXT_MAX + 1)})
    assert response.status_code == 400
    assert f"第1题的回答不能超过{ANSWER_TEXT_MAX}字。" in response.content.decode()
    lines = ("车" * 9 + "\r\n") * (ANSWER_TEXT_MAX // 10)
    assert client.post(url, {f"q{question.pk}": lines}).status_code == 302
