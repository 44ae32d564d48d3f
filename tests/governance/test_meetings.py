"""Joint meetings and their resolutions (issue 13 item 6): the level derived from the unit, the
resolution's moves along its table, the overdue list (services, admin filter, API), and the
scoping table: each role × inside/outside × list, detail, change and API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.bodies import Body
from governance.meetings import RESOLUTION_TRANSITIONS, JointMeeting, Resolution, ResolutionStatus
from governance.models import AuditEntry
from governance.scoping import scope
from governance.services_bodies import body_save
from governance.services_meetings import joint_meeting_save, resolution_move
from tests.admin_forms import form_data, merged
from tests.scopes import api_as, assert_change_page_scoped, assert_titles_listed, signed_in

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _meeting(title="联席会议", held_on=None, kind="party_joint", **units):
    return JointMeeting(kind=kind, held_on=held_on or TODAY - 30 * DAY, title=title, participants="街道城管科", topics="议题", **units)


def _resolution(text="修复路灯", due_on=None, **extra):
    return Resolution(text=text, responsible_unit="社区居委会", due_on=due_on or TODAY + 10 * DAY, **extra)


# ---- the level and the units ----------------------------------------------------------------------


def test_the_level_comes_from_the_lowest_unit_and_the_units_above_are_filled_in(territory, users):
    meeting = joint_meeting_save(meeting=_meeting(neighbourhood=territory.n111), actor=users.community)
    assert meeting.level == "neighbourhood"
    assert (meeting.community, meeting.street, meeting.district) == (territory.c11, territory.s1, territory.district)
    street = joint_meeting_save(meeting=_meeting(street=territory.s1), actor=users.street)
    assert street.level == "street" and street.community is None and street.district == territory.district
    district = joint_meeting_save(meeting=_meeting(district=territory.district, kind="property_joint"), actor=users.superuser)
    assert district.level == "district" and district.street is None


def test_units_that_do_not_nest_are_refused(territory, users):
    with pytest.raises(ValidationError) as refused:
        joint_meeting_save(meeting=_meeting(community=territory.c12, neighbourhood=territory.n111), actor=users.street)
    assert "neighbourhood" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        joint_meeting_save(meeting=_meeting(), actor=users.street)
    assert "district" in refused.value.message_dict
    assert not JointMeeting.objects.exists()


def test_a_resolution_due_before_the_meeting_is_refused(territory, users):
    with pytest.raises(ValidationError) as refused:
        joint_meeting_save(
            meeting=_meeting(community=territory.c11), resolutions=[_resolution(due_on=TODAY - 40 * DAY)], actor=users.community
        )
    assert "due_on" in refused.value.message_dict
    assert not JointMeeting.objects.exists() and not Resolution.objects.exists()


def test_bodies_taking_part_belong_to_the_meeting_unit(territory, users):
    own = body_save(body=Body(community=territory.c11, kind="supervision_team", name="新华监督小组"), actor=users.community)
    other = body_save(body=Body(community=territory.c12, kind="supervision_team", name="东风监督小组"), actor=users.street)
    meeting = joint_meeting_save(meeting=_meeting(community=territory.c11), bodies=[own], actor=users.community)
    assert list(meeting.bodies.all()) == [own]
    with pytest.raises(ValidationError, match="东风监督小组"):
        joint_meeting_save(meeting=_meeting(community=territory.c11, title="另一次"), bodies=[other], actor=users.street)
    street_meeting = joint_meeting_save(meeting=_meeting(street=territory.s1), bodies=[own, other], actor=users.street)
    assert street_meeting.bodies.count() == 2


# ---- resolutions: moves and overdue ----------------------------------------------------------------


def test_resolution_moves_follow_the_table(territory, users):
    meeting = joint_meeting_save(meeting=_meeting(community=territory.c11), resolutions=[_resolution()], actor=users.community)
    resolution = meeting.resolutions.get()
    assert resolution.status == "open" and resolution.done_on is None
    resolution = resolution_move(resolution=resolution, to="in_progress", progress="已联系施工方", actor=users.community)
    assert resolution.status == "in_progress" and resolution.progress == "已联系施工方"
    with pytest.raises(ValidationError) as refused:
        resolution_move(resolution=resolution, to="open", actor=users.community)
    assert "status" in refused.value.message_dict
    resolution = resolution_move(resolution=resolution, to="done", done_on=TODAY - DAY, actor=users.community)
    assert resolution.status == "done" and resolution.done_on == TODAY - DAY
    with pytest.raises(ValidationError) as refused:
        resolution_move(resolution=resolution, to="in_progress", progress="", actor=users.community)
    assert "progress" in refused.value.message_dict
    resolution = resolution_move(resolution=resolution, to="in_progress", progress="居民反映仍不亮", actor=users.community)
    assert resolution.status == "in_progress" and resolution.done_on is None
    assert AuditEntry.objects.filter(action="resolution_move", target_id=str(resolution.pk)).count() == 3


@pytest.mark.parametrize("start", list(ResolutionStatus))
@pytest.mark.parametrize("to", list(ResolutionStatus))
def test_every_listed_move_is_made_and_every_other_refused(start, to, territory, users):
    meeting = joint_meeting_save(meeting=_meeting(community=territory.c11), resolutions=[_resolution()], actor=users.community)
    resolution = meeting.resolutions.get()
    Resolution.objects.filter(pk=resolution.pk).update(status=start, done_on=TODAY if start == "done" else None)
    if to == start:
        return
    if to in RESOLUTION_TRANSITIONS[start]:
        moved = resolution_move(resolution=resolution, to=to, progress="说明", actor=users.community)
        assert moved.status == to
    else:
        with pytest.raises(ValidationError):
            resolution_move(resolution=resolution, to=to, progress="说明", actor=users.community)
        assert Resolution.objects.get(pk=resolution.pk).status == start


def test_a_done_date_in_the_future_or_before_the_meeting_is_refused(territory, users):
    meeting = joint_meeting_save(meeting=_meeting(community=territory.c11), resolutions=[_resolution()], actor=users.community)
    resolution = meeting.resolutions.get()
    for day in (TODAY + DAY, TODAY - 60 * DAY):
        with pytest.raises(ValidationError) as refused:
            resolution_move(resolution=resolution, to="done", done_on=day, actor=users.community)
        assert "done_on" in refused.value.message_dict
    assert Resolution.objects.get(pk=resolution.pk).status == "open"


def test_resolution_overdue(territory, users, client):
    meeting = joint_meeting_save(
        meeting=_meeting(community=territory.c11),
        resolutions=[
            _resolution("昨天到期未办", due_on=TODAY - DAY),
            _resolution("今天到期", due_on=TODAY),
            _resolution("已办结的旧决议", due_on=TODAY - 5 * DAY),
            _resolution("办理中已逾期", due_on=TODAY - 2 * DAY),
        ],
        actor=users.community,
    )
    rows = {r.text: r for r in meeting.resolutions.all()}
    resolution_move(resolution=rows["已办结的旧决议"], to="done", actor=users.community)
    resolution_move(resolution=rows["办理中已逾期"], to="in_progress", actor=users.community)
    overdue = set(Resolution.objects.overdue(TODAY).values_list("text", flat=True))
    assert overdue == {"昨天到期未办", "办理中已逾期"}
    # Tomorrow, today's is overdue too.
    assert "今天到期" in set(Resolution.objects.overdue(TODAY + DAY).values_list("text", flat=True))
    client.force_login(users.community)
    page = client.get(reverse("admin:governance_resolution_changelist") + "?overdue=yes").content.decode()
    assert "昨天到期未办" in page and "办理中已逾期" in page
    assert "今天到期" not in page and "已办结的旧决议" not in page
    listed = api_as(users.official).get("/api/v1/resolutions/?overdue=true").json()["results"]
    assert {row["text"] for row in listed} == overdue and all(row["overdue"] for row in listed)


def test_the_admin_moves_a_resolution(territory, users, client):
    meeting = joint_meeting_save(meeting=_meeting(community=territory.c11), resolutions=[_resolution()], actor=users.community)
    resolution = meeting.resolutions.get()
    client.force_login(users.street)
    url = reverse("admin:governance_resolution_change", args=[resolution.pk])
    page = client.get(url)
    data = merged(form_data(page), {"move_to": "done", "progress": "路灯已修复", "_save": "1"})
    assert client.post(url, data).status_code == 302
    resolution.refresh_from_db()
    assert resolution.status == "done" and resolution.done_on == TODAY and resolution.progress == "路灯已修复"
    # done → open is not offered; sent anyway the form refuses it, nothing changed
    page = client.get(url)
    assert [v for v, _label in page.context["adminform"].form.fields["move_to"].choices] == ["in_progress", "done"]
    data.update(move_to="open")
    response = client.post(url, data)
    assert response.status_code == 200 and "move_to" in response.context["adminform"].form.errors
    resolution.refresh_from_db()
    assert resolution.status == "done"


def test_the_admin_saves_a_meeting_with_its_resolutions(territory, users, client):
    client.force_login(users.community)
    url = reverse("admin:governance_jointmeeting_add")
    data = merged(
        form_data(client.get(url)),
        {
            "neighbourhood": territory.n111.pk,
            "kind": "four_party",
            "held_on": (TODAY - 3 * DAY).isoformat(),
            "title": "新华里四方联席会议",
            "participants": "社区党委\n业委会\n物业公司",
            "topics": "电动车充电桩选址",
            "resolutions-TOTAL_FORMS": 1,
            "resolutions-0-order": 1,
            "resolutions-0-text": "两周内确定充电桩位置",
            "resolutions-0-responsible_unit": "物业公司",
            "resolutions-0-due_on": (TODAY + 14 * DAY).isoformat(),
            "_save": "1",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = JointMeeting.objects.get(title="新华里四方联席会议")
    assert meeting.level == "neighbourhood" and meeting.district == territory.district
    assert meeting.resolutions.get().responsible_unit == "物业公司"
    assert meeting.created_by == users.community


# ---- scoping ----------------------------------------------------------------------------------------

# Where each meeting is held, and who sees it.
UNITS = {"d": "district", "s1": "s1", "c11": "c11", "n111": "n111", "c21": "c21", "e": "other_district"}
VISIBLE = {
    "superuser": set(UNITS),
    "city": set(UNITS),
    "official": {"d", "s1", "c11", "n111", "c21"},
    "street": {"s1", "c11", "n111"},
    "community": {"c11", "n111"},
    "nobody": set(),
}
MANAGES = {
    "superuser": set(UNITS),
    "city": set(),
    "official": set(),
    "street": {"s1", "c11", "n111"},
    "community": {"c11", "n111"},
    "nobody": set(),
}


def _unit_kwargs(territory, key):
    unit = getattr(territory, UNITS[key])
    field = {"d": "district", "e": "district", "s1": "street", "n111": "neighbourhood"}.get(key, "community")
    return {field: unit}


@pytest.fixture
def meetings(territory, users, city):
    made = {}
    for key in UNITS:
        made[key] = joint_meeting_save(
            meeting=_meeting(title=f"会议{key}", **_unit_kwargs(territory, key)),
            resolutions=[_resolution(f"决议{key}")],
            actor=users.superuser,
        )
    return made


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_sees_and_manages_its_territory_only(role, meetings, users):
    actor = getattr(users, role)
    for model, attr in ((JointMeeting, "title"), (Resolution, "text")):
        prefix = "会议" if model is JointMeeting else "决议"
        seen = set(scope(model.objects.all(), actor).values_list(attr, flat=True))
        assert seen == {f"{prefix}{k}" for k in VISIBLE[role]}, model
        managed = set(scope(model.objects.all(), actor, write=True).values_list(attr, flat=True))
        assert managed == {f"{prefix}{k}" for k in MANAGES[role]}, model


@pytest.mark.parametrize("role", ["city", "official", "street", "community"])
def test_admin_and_api_inside_and_outside(role, meetings, users, client):
    api = signed_in(client, getattr(users, role))
    for key, meeting in meetings.items():
        resolution = meeting.resolutions.get()
        inside = key in VISIBLE[role]
        for name, obj in (("jointmeeting", meeting), ("resolution", resolution)):
            url = reverse(f"admin:governance_{name}_change", args=[obj.pk])
            edit = {"title": "改写", "move_to": "done"}
            assert_change_page_scoped(client, url, inside, key in MANAGES[role], edit)
        assert api.get(f"/api/v1/joint-meetings/{meeting.pk}/").status_code == (200 if inside else 404)
        assert api.get(f"/api/v1/resolutions/{resolution.pk}/").status_code == (200 if inside else 404)
    titles = {key: f"会议{key}" for key in UNITS}
    assert_titles_listed(
        client, api, "governance_jointmeeting", "/api/v1/joint-meetings/", titles, VISIBLE[role]
    )
    assert api.post("/api/v1/joint-meetings/", {"title": "x"}).status_code in (403, 405)
    assert JointMeeting.objects.filter(title="改写").count() == 0
    assert not Resolution.objects.filter(status="done").exists()


def test_outside_writes_are_refused_by_the_services(meetings, users):
    for actor in (users.community, users.official, users.city):
        outside = JointMeeting.objects.get(pk=meetings["c21"].pk)
        outside.title = "越权"
        with pytest.raises(PermissionDenied):
            joint_meeting_save(meeting=outside, actor=actor)
        with pytest.raises(PermissionDenied):
            resolution_move(resolution=outside.resolutions.get(), to="done", actor=actor)
    with pytest.raises(PermissionDenied):  # above the community: the street's meeting
        joint_meeting_save(meeting=_meeting(street=meetings["s1"].street), actor=users.community)
    assert not JointMeeting.objects.filter(title="越权").exists()
