"""Notices and objections: residents object with their household code on the public page, staff
answer each one in the admin, and an open objection blocks the publicity gate."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.errors import Refused
from governance.models import AuditEntry
from projects.choices import Stage
from projects.models import Objection, Project
from projects.services import notice_save, objection_answer, objection_submit, project_transition
from residents.services import household_codes_issue

from .factories import ProjectFactory
from .helpers import ALL_PASSING, dated_notice, registered_gates

TODAY = datetime.date(2025, 6, 10)


def _notice(project, actor, starts=-3, ends=4, kind="plan"):
    notice = dated_notice(project, "新华里改造方案公示", "改造内容：道路、雨污分流、加装电梯。", starts, ends, kind)
    return notice_save(notice=notice, actor=actor)


@pytest.fixture
def project(territory):
    return ProjectFactory(
        code="P1", lead_street=territory.s1, neighbourhoods=[territory.n111, territory.n121]
    )


@pytest.mark.django_db
def test_notice_save_is_scoped_and_freezes_once_objected_to(territory, users, project):
    with pytest.raises(PermissionDenied):
        _notice(project, users.official)
    notice = _notice(project, users.community)
    assert notice.published_by == users.community
    notice.body = "改正后的内容"
    notice_save(notice=notice, actor=users.community)
    objection_submit(notice=notice, household=territory.n111.households.first(), text="不同意")
    notice.ends_on = notice.ends_on + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as info:
        notice_save(notice=notice, actor=users.community)
    assert info.value.messages == ["该公示已收到异议，不能再修改公示内容和公示期。"]


@pytest.mark.django_db
def test_objection_submit_checks_period_household_and_text(territory, users, project):
    notice = _notice(project, users.street, starts=-3, ends=4)
    mine = territory.n121.households.first()
    with pytest.raises(ValidationError) as info:
        objection_submit(notice=notice, household=mine, text="   ")
    assert info.value.message_dict == {"text": ["请填写异议内容。"]}
    with pytest.raises(ValidationError) as info:
        objection_submit(notice=notice, household=territory.n211.households.first(), text="x")
    assert info.value.messages == ["您的住户不在本公示涉及的小区内。"]
    with pytest.raises(ValidationError) as info:
        objection_submit(
            notice=notice, household=mine, text="x", today=notice.ends_on + datetime.timedelta(days=1)
        )
    assert info.value.messages == [f"公示期已于{notice.ends_on}结束，不能再提出异议。"]
    with pytest.raises(ValidationError):
        objection_submit(
            notice=notice, household=mine, text="x", today=notice.starts_on - datetime.timedelta(days=1)
        )
    for i in range(3):
        objection_submit(notice=notice, household=mine, text=f"意见{i}")
    with pytest.raises(ValidationError) as info:
        objection_submit(notice=notice, household=mine, text="第四条")
    assert "已有3条异议待答复" in info.value.messages[0]
    entry = AuditEntry.objects.filter(action="objection_submit").first()
    assert entry.actor is None and entry.details["household"] == mine.pk


@pytest.mark.django_db
def test_an_open_objection_blocks_the_gate_until_staff_answer_it(territory, users, project):
    notice = _notice(project, users.street, starts=-8, ends=-1)
    objection = objection_submit(
        notice=notice, household=territory.n111.households.first(), text="停车位不够", today=notice.ends_on
    )
    Project.objects.filter(pk=project.pk).update(stage=Stage.CONSULTATION)
    with registered_gates(**ALL_PASSING):
        with pytest.raises(Refused) as info:
            project_transition(project=project, to=Stage.TENDER, actor=users.street)
        assert info.value.reasons == ["方案公示“新华里改造方案公示”尚有1条异议未答复。"]
        # Staff of another community do not see the household: 404 in the admin, refused here.
        with pytest.raises(PermissionDenied):
            objection_answer(objection=objection, answer="x", actor=_community_staff(territory.c12))
        with pytest.raises(ValidationError):
            objection_answer(objection=objection, answer=" ", actor=users.community)
        objection_answer(objection=objection, answer="方案已增加20个车位", actor=users.community)
        with pytest.raises(ValidationError):
            objection_answer(objection=objection, answer="再答", actor=users.community)
        project_transition(project=project, to=Stage.TENDER, actor=users.street)
    objection.refresh_from_db()
    assert objection.status == "answered" and objection.answered_by == users.community


def _community_staff(community):
    from governance.choices import RoleKind
    from tests.factories import staff_user

    return staff_user(RoleKind.COMMUNITY_STAFF, community)


@pytest.mark.django_db
def test_staff_answer_an_objection_in_the_admin(client, territory, users, project):
    notice = _notice(project, users.street)
    objection = objection_submit(notice=notice, household=territory.n111.households.first(), text="噪音扰民")
    client.force_login(users.community)
    url = reverse("admin:projects_objection_change", args=[objection.pk])
    page = client.get(url).content.decode()
    assert "噪音扰民" in page and "新华里" in page
    page = client.post(url, {"answer": ""}).content.decode()
    assert "请填写答复内容。" in page
    assert client.post(url, {"answer": "施工时间调整为8:00-18:00"}).status_code == 302
    objection.refresh_from_db()
    assert objection.status == "answered"
    listing = client.get(reverse("admin:projects_notice_changelist")).content.decode()
    assert "新华里改造方案公示" in listing
    client.force_login(_community_staff(territory.c12))  # n121's staff: not this household
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_resident_objects_on_the_public_page_with_the_household_code(client, territory, users, project):
    notice = _notice(project, users.street)
    issued = household_codes_issue(neighbourhood=territory.n111, actor=users.street)
    other = household_codes_issue(neighbourhood=territory.n211, actor=users.superuser)
    url = reverse("projects:objection", args=[territory.n111.pk, notice.pk])
    response = client.post(url, {"code": "ABCDE-FGHJ-KMNP", "text": "反对"})
    assert response.status_code == 400
    assert "户码不正确" in response.content.decode()
    response = client.post(url, {"code": other[0].code, "text": "反对"})
    assert "户码不正确" in response.content.decode()  # a household of another neighbourhood
    response = client.post(url, {"code": issued[0].code.lower(), "text": "电梯位置挡光"}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#notice-{notice.pk}")
    page = response.content.decode()
    assert "异议已提交" in page and "已收到异议 1 条，已答复 0 条" in page
    objection = Objection.objects.get()
    assert objection.household == issued[0].household and objection.text == "电梯位置挡光"
    assert "电梯位置挡光" not in page  # the text and who objected stay with staff
    assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_the_objection_form_needs_the_csrf_token(territory, users, project):
    from django.test import Client

    notice = _notice(project, users.street)
    issued = household_codes_issue(neighbourhood=territory.n111, actor=users.street)
    strict = Client(enforce_csrf_checks=True)
    url = reverse("projects:objection", args=[territory.n111.pk, notice.pk])
    assert strict.post(url, {"code": issued[0].code, "text": "x"}).status_code == 403
    page = strict.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
def test_the_objection_form_limits_code_attempts_like_the_resident_entry(client, territory, users, project):
    from django.test import Client

    notice = _notice(project, users.street)
    issued = household_codes_issue(neighbourhood=territory.n111, actor=users.street)
    other = household_codes_issue(neighbourhood=territory.n211, actor=users.superuser)
    page = reverse("projects:neighbourhood", args=[territory.n111.pk])
    url = reverse("projects:objection", args=[territory.n111.pk, notice.pk])
    wrong = f"{issued[0].household.access_code_locator}-0000-0000"
    client.post(url, {"code": wrong, "text": "反对"})  # the first answer gives the device cookie
    for _ in range(4):
        response = client.post(url, {"code": wrong, "text": "反对"})
        assert response.status_code == 400 and "户码不正确" in response.content.decode()
    # A valid code of another neighbourhood is a wrong code here, and counts as one.
    response = client.post(url, {"code": other[0].code, "text": "反对"})
    assert response.status_code == 400 and "户码不正确" in response.content.decode()
    response = client.post(url, {"code": issued[0].code, "text": "反对"})
    assert response.status_code == 429 and response["Retry-After"] == "10"  # this browser waits
    assert "错误户码次数过多，请等待10秒" in response.content.decode()
    assert not Objection.objects.exists()
    # The household itself is not locked: another browser objects at once.
    response = Client().post(url, {"code": issued[0].code, "text": "反对"})
    assert response.status_code == 302 and Objection.objects.count() == 1
    assert client.get(page).status_code == 200

# ---- the form for a signed-in resident, and text limits without JavaScript ----------------------


def _page_and_url(territory, notice):
    return (
        reverse("projects:neighbourhood", args=[territory.n111.pk]),
        reverse("projects:objection", args=[territory.n111.pk, notice.pk]),
    )


@pytest.mark.django_db
def test_a_signed_in_resident_objects_without_typing_the_code_again(client, territory, users, project):
    notice = _notice(project, users.street)
    issued = household_codes_issue(neighbourhood=territory.n111, actor=users.street)
    page, url = _page_and_url(territory, notice)
    assert 'name="code"' in client.get(page).content.decode()  # not signed in: the code is asked
    client.post(reverse("residents:entry"), {"code": issued[1].code})
    shown = client.get(page).content.decode()
    assert 'name="code"' not in shown and "异议将以本户名义提交" in shown
    response = client.post(url, {"text": "楼道灯位置不合适"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.household == issued[1].household and objection.text == "楼道灯位置不合适"


@pytest.mark.django_db
def test_a_household_of_another_neighbourhood_still_needs_a_code_here(client, territory, users, project):
    notice = _notice(project, users.street)
    other = household_codes_issue(neighbourhood=territory.n211, actor=users.superuser)
    page, url = _page_and_url(territory, notice)
    client.post(reverse("residents:entry"), {"code": other[0].code})
    assert 'name="code"' in client.get(page).content.decode()
    response = client.post(url, {"text": "反对"})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    assert not Objection.objects.exists()


@pytest.mark.django_db
def test_an_over_long_objection_is_refused_naming_the_field_and_the_limit(client, territory, users, project):
    from projects.services import OBJECTION_MAX_LENGTH

    notice = _notice(project, users.street)
    issued = household_codes_issue(neighbourhood=territory.n111, actor=users.street)
    page, url = _page_and_url(territory, notice)
    blank = client.get(page).content.decode()
    # The page never cuts the text in the browser: no maxlength, a counter saying the limit.
    assert " maxlength=" not in blank.split('name="text"', 1)[1].split(">", 1)[0]
    assert f'data-maxlength="{OBJECTION_MAX_LENGTH}"' in blank and f"最多{OBJECTION_MAX_LENGTH}字。" in blank
    assert "js/char-counter.js" in blank
    text = "树" * (OBJECTION_MAX_LENGTH + 5)
    response = client.post(url, {"code": issued[0].code, "text": text})
    assert response.status_code == 400
    shown = response.content.decode()
    assert f"“异议内容”最多{OBJECTION_MAX_LENGTH}字，现有{OBJECTION_MAX_LENGTH + 5}字，请删减后再提交。" in shown
    assert text in shown  # kept, to be shortened
    assert not Objection.objects.exists()
    # A line break counts as one character, as the counter counts it, though the browser sends two.
    lines = ("树" * 9 + "\r\n") * (OBJECTION_MAX_LENGTH // 10)  # 2,000 as counted, 2,200 as sent
    assert client.post(url, {"code": issued[0].code, "text": lines}).status_code == 302
    saved = Objection.objects.get().text
    assert "\r" not in saved and len(saved) == OBJECTION_MAX_LENGTH - 1  # the last break trimmed
