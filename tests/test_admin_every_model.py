"""Every model registered in the admin, as every role that may write it: the add page and a change
page open, and a valid form SAVES through them with a real POST (the rendered form's own values,
inline management forms included, plus valid values for what the case fills in). The redirect and
the saved row are asserted. A role that may not write a model, and a model that is read-only by
design (written by services), get the page opened and the write refused, with the row unchanged.

The table CASES has one entry per registered model; a model registered without an entry fails
test_every_registered_model_has_a_case, so a new admin page cannot slip by untested.

Issue 9 item 1: the demand list add page answered 500 and saved nothing; only GETs were tested.
"""

import datetime
import operator
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from tests.admin_forms import error_messages, form_data, merged, refusal_reason, why_not_saved
from tests.admin_world import w, world  # noqa: F401 (fixtures)

WRITERS = ("superuser", "street", "community")
SUPERUSER = ("superuser",)
NOBODY = ()


@dataclass(kw_only=True)
class Case:
    """How one model's admin is written.

    add: (world, role) -> POST values for the add page (it may prepare rows first); None (the
         default): no role adds here, whatever add_roles says.
    added: (world, new rows queryset, role) -> asserts about what was saved.
    change: (world) -> (row, POST values) for its change page (it may prepare the row).
    changed: (world, row reloaded, role) -> asserts.
    add_roles/change_roles: the roles that save; the others are refused.
    viewers: the roles that may open the change page at all (Django's own admins: superusers).
    """

    change: Callable
    add: Callable | None = None
    added: Callable | None = None
    changed: Callable | None = None
    add_roles: tuple = WRITERS
    change_roles: tuple = WRITERS
    viewers: tuple = WRITERS
    change_url: Callable | None = None
    add_url: Callable | None = None
    files: Callable | None = None

    def __post_init__(self):
        if self.add is None:
            self.add_roles = NOBODY


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _reload(obj):
    """The row again from the database (by its primary key column: a token proxy's `pk` is its
    user's id)."""
    attname = obj._meta.pk.attname
    return type(obj)._default_manager.get(**{attname: getattr(obj, attname)})


def _snapshot(obj):
    obj = _reload(obj)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _saved(client, url, values, files=None, form_id=None):
    """GET the page, POST its form with `values`, assert it saved: a redirect away from the page
    and no error message on the page it leads to."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    data = merged(form_data(page, form_id), {"_save": "1", **values})
    if files:
        data.update(files)
    response = client.post(url, data)
    assert response.status_code == 302, f"POST {url} did not save: {why_not_saved(response)}"
    assert response["Location"].split("?")[0] != url, f"POST {url} came back: {why_not_saved(response)}"
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert not error_messages(landing), error_messages(landing)
    return response


def _write_refused(client, url, values=None):
    """The page answers 403 to a POST, with the reason on the page (not the bare refusal)."""
    response = client.post(url, {"_save": "1", **(values or {})})
    assert response.status_code == 403, f"POST {url}: {response.status_code}"
    assert refusal_reason(response) not in ("", "您没有权限执行此操作。"), refusal_reason(response)
    return response


# ---- governance ------------------------------------------------------------------------------


def _street_add(w, role):
    return {"district": w.district.pk, "name": "新街道", "code": "S-NEW"}


def _community_add(w, role):
    return {"street": w.s1.pk, "name": "新社区", "code": "C-NEW"}


def _neighbourhood_add(w, role):
    return {"community": w.c11.pk, "name": "新建里", "address": "新建路1号", "built_year": 1995}


def _building_add(w, role):
    return {
        "neighbourhood": w.n111.pk,
        "name": "9栋",
        "floors": 6,
        "stairwells-TOTAL_FORMS": 1,
        "stairwells-0-name": "1单元",
        "stairwells-0-floors": 6,
    }


def _stairwell_add(w, role):
    return {"building": w.building.pk, "name": "2单元", "floors": 6}


def _household_add(w, role):
    return {
        "neighbourhood": w.n111.pk,
        "building": w.building.pk,
        "stairwell": w.stairwell.pk,
        "room": "601",
        "floor": 6,
        "floor_area": "88.30",
        "owner_name": "赵六",
        "phone": "13900000000",
    }


def _arrangement_add(w, role):
    return {
        "neighbourhood": w.n111.pk,
        "mode": "self_managed",
        "provider": w.provider.pk,
        "started_on": w.today.isoformat(),
        "contract_start": w.today.isoformat(),
        "contract_end": (w.today + datetime.timedelta(days=365 * 3)).isoformat(),
        "fee_per_m2_month": "0.30",
    }


def _assessment_add(w, role):
    now = timezone.localtime()
    return {
        "arrangement": w.arrangement.pk,
        "year": w.today.year,
        "score": 78,
        "items_text": "收费率=18\n巡查=20",
        "assessor": "街道考核组",
        "assessed_at_0": now.date().isoformat(),
        "assessed_at_1": "10:00:00",
    }


def _body_add(w, role):
    return {
        "community": w.c11.pk,
        "neighbourhood": w.n112.pk,
        "kind": "party_branch",
        "name": "新华二里党支部",
        "term_start": w.today.isoformat(),
        "term_end": (w.today + datetime.timedelta(days=365 * 3)).isoformat(),
        "members-TOTAL_FORMS": 2,
        "members-0-name": "陈书记",
        "members-0-role": "secretary",
        "members-0-party_status": "retired",
        "members-0-order": 1,
        "members-1-name": "林委员",
        "members-1-role": "member",
        "members-1-party_status": "double_registration",
        "members-1-order": 2,
    }


def _party_member_add(w, role):
    return {"community": w.c11.pk, "name": "褚党员", "category": "floating", "phone": "13600000000"}


def _vanguard_add(w, role):
    return {"community": w.c11.pk, "name": "治安巡逻先锋队", "members": [w.party_member.pk]}


def _joint_meeting_add(w, role):
    return {
        "community": w.c11.pk,
        "kind": "four_party",
        "held_on": w.today.isoformat(),
        "title": "四方联席会议",
        "participants": "社区党委\n业委会\n物业公司",
        "topics": "停车管理",
        "bodies": [w.body.pk],
        "resolutions-TOTAL_FORMS": 1,
        "resolutions-0-order": 1,
        "resolutions-0-text": "划定停车位",
        "resolutions-0-responsible_unit": "物业公司",
        "resolutions-0-due_on": (w.today + datetime.timedelta(days=30)).isoformat(),
    }


def _disclosure_files(w):
    from tests.surveys.helpers import jpeg_upload

    return {"attachments-0-file": jpeg_upload("活动.jpg")}


# ---- projects --------------------------------------------------------------------------------


def _catalogue_add(w, role):
    return {
        "code": "bike_shed",
        "name": "非机动车棚",
        "work_class": "improvement",
        "unit": "m2",
        "reference_unit_cost": "300.00",
        "district": w.district.pk,
    }


def _project_add(w, role):
    return {
        "code": "GZ-NEW",
        "name": "新华二里二期",
        "year": w.today.year,
        "lead_street": w.s1.pk,
        "neighbourhoods": [w.n112.pk],
        "budget": "500000.00",
    }


def _scope_item_add(w, role):
    return {
        "project": w.candidate.pk,
        "neighbourhood": w.n112.pk,
        "catalogue_item": w.roads.pk,
        "planned_quantity": "50",
        "unit_cost": "200.00",
    }


def _progress_add(w, role):
    return {
        "project": w.project.pk,
        "month": w.today.replace(day=1).isoformat(),
        "percent_complete": "80",
        "investment_to_date": "700000.00",
    }


def _finding_add(w, role):
    return {
        "project": w.project.pk,
        "source": "resident_supervisor",
        "supervisor_name": "李大爷",
        "severity": "major",
        "description": "排水沟堵塞",
    }


def _acceptance_add(w, role):
    return {
        "project": w.project.pk,
        "accepted_on": w.today.isoformat(),
        "participants": "街道、社区、施工、监理、居民代表",
        "resident_representatives": "王五",
        "satisfaction_rate": "92.0",
        "passed": "on",
    }


def _photo_add(w, role):
    return {"project": w.project.pk, "kind": "after", "caption": "改造后楼道"}


def _photo_files(w):
    from tests.surveys.helpers import jpeg_upload

    return {"upload": jpeg_upload("after.jpg")}


def _notice_add(w, role):
    return {
        "project": w.project.pk,
        "kind": "result",
        "title": "竣工结果公示",
        "body": "改造完成情况",
        "starts_on": w.today.isoformat(),
        "ends_on": (w.today + datetime.timedelta(days=7)).isoformat(),
    }


def _notice_change(w):
    from projects.services import notice_save
    from tests.projects.helpers import dated_notice

    notice = notice_save(
        notice=dated_notice(w.project, "结果公示", "初稿", 3, 10, kind="result"), actor=w.users.street
    )
    return notice, {"title": "结果公示（修订）", "body": "修订稿"}


# ---- surveys ---------------------------------------------------------------------------------


def _when(days, hour="09:00:00"):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return day.isoformat(), hour


def _vote_add(w, role):
    (o0, o1), (c0, c1) = _when(1), _when(8)
    return {
        "title": "加装电梯表决",
        "matter_type": "elevator_retrofit",
        "scope": "stairwell",
        "neighbourhood": w.n111.pk,
        "stairwell": w.stairwell.pk,
        "opens_at_0": o0,
        "opens_at_1": o1,
        "closes_at_0": c0,
        "closes_at_1": c1,
    }


def _vote_change(w):
    from surveys.models import Vote
    from surveys.services import vote_save

    now = timezone.now()
    vote = vote_save(
        vote=Vote(
            title="停车位调整表决",
            matter_type="common_use_change",
            neighbourhood=w.n111,
            opens_at=now + datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=8),
        ),
        actor=w.users.street,
    )
    return vote, {"title": "停车位调整表决（修订）"}


def _ballot_add(w, role):
    return {"vote": w.vote.pk, "household": w.households[1].pk, "choice": "disagree"}


def _template_add(w, role):
    return {
        "name": "甜城区简化程序",
        "district": w.district.pk,
        "steps-TOTAL_FORMS": 2,
        "steps-0-order": 1,
        "steps-0-code": "D1",
        "steps-0-direction": "down",
        "steps-0-name": "征集需求",
        "steps-0-closes_demand_list": "on",
        "steps-1-order": 2,
        "steps-1-code": "U1",
        "steps-1-direction": "up",
        "steps-1-name": "汇总上报",
    }


def _template_change(w):
    from surveys.models import ProcessTemplate, TemplateStep
    from surveys.services import template_save

    template = template_save(
        template=ProcessTemplate(name="区模板", district=w.district),
        steps=[
            TemplateStep(code="D1", direction="down", name="征集", closes_demand_list=True),
            TemplateStep(code="U1", direction="up", name="上报"),
        ],
        actor=w.users.superuser,
    )
    return template, {"description": "两步程序"}


def _process_add(w, role):
    from surveys.services import builtin_template

    return {"project": w.candidate.pk, "template": builtin_template().pk}


def _up_step_open(w):
    """U1 of the consultation opened (D1 done), as a review needs."""
    from surveys.models import ConsultationStep

    ConsultationStep.objects.filter(pk=w.d1.pk).update(status="done", completed_at=timezone.now())
    up = w.process.steps.get(order=2)
    ConsultationStep.objects.filter(pk=up.pk).update(status="open", opened_at=timezone.now())
    return up


def _review_add(w, role):
    up = _up_step_open(w)
    return {"step": up.pk, "decision": "approved", "department": "街道城建办", "comments": "同意"}


def _review_change(w):
    from surveys.services import step_review

    up = _up_step_open(w)
    return step_review(step=up, decision="approved", department="街道城建办", actor=w.users.street), {}


def _meeting_add(w, role):
    return {
        "process": w.process.pk,
        "step": w.d1.pk,
        "neighbourhood": w.n111.pk,
        "kind": "council",
        "held_on": w.today.isoformat(),
        "place": "小区广场",
        "attendees": 15,
        "households_represented": 12,
    }


def _visit_add(w, role):
    return {
        "process": w.process.pk,
        "step": w.d1.pk,
        "household": w.households[3].pk,
        "visited_on": w.today.isoformat(),
        "notes": "老人独居，希望加装扶手",
    }


def _opinion_add(w, role):
    return {
        "process": w.process.pk,
        "step": w.d1.pk,
        "neighbourhood": w.n111.pk,
        "source": "visit",
        "text": "建议增加充电桩",
    }


def _demand_list_add(w, role):
    from surveys.services import process_start

    process_start(project=w.candidate, actor=w.users.street)
    return {"project": w.candidate.pk, "intro": "请勾选您需要的改造内容"}


def _submission_add(w, role):
    return {
        "demand_list": w.demand_list.pk,
        "household": w.households[2].pk,
        "items": [w.roads.pk],
        "text": "道路坑洼",
        "channel": "visit",
    }


def _questionnaire_add(w, role):
    return {
        "neighbourhood": w.n111.pk,
        "title": "充电桩需求调查",
        "questions-TOTAL_FORMS": 1,
        "questions-0-order": 1,
        "questions-0-text": "您是否需要充电桩？",
        "questions-0-kind": "single",
        "questions-0-required": "on",
        "questions-0-options_text": "需要\n不需要",
    }


def _response_add_url(w):
    return reverse("admin:surveys_response_add") + f"?questionnaire={w.open_questionnaire.pk}"


def _response_add(w, role):
    question = w.open_questionnaire.questions.get()
    return {"household": w.households[1].pk, "channel": "paper", f"q{question.pk}": "2"}


def _plan_add(w, role):
    return {
        "project": w.consulting.pk,
        "kind": "revised",
        "title": "修改方案",
        "summary": "道路、照明",
        "items-TOTAL_FORMS": 1,
        "items-0-neighbourhood": w.n111.pk,
        "items-0-catalogue_item": w.roads.pk,
        "items-0-quantity": "120",
        "items-0-unit_cost": "180.00",
    }


# ---- funding ---------------------------------------------------------------------------------


def _source_add(w, role):
    return {
        "name": "专项债券资金",
        "kind": "special_bond",
        "provider": "甜城区财政局",
        "amount_held": "2000000.00",
        "district": w.district.pk,
        "street": w.s1.pk,
    }


def _commitment_add(w, role):
    return {
        "source": w.source.pk,
        "project": w.project.pk,
        "amount": "150000.00",
        "committed_on": w.today.isoformat(),
        "document_number": "甜财〔2026〕12号",
    }


def _disbursement_add(w, role):
    return {
        "commitment": w.commitment.pk,
        "amount": "50000.00",
        "paid_on": w.today.isoformat(),
        "payee": "甜城建工",
        "voucher_number": "PZ-002",
    }


def _income_add(w, role):
    return {
        "neighbourhood": w.n111.pk,
        "kind": "advertising",
        "amount": "3000.00",
        "period_start": w.today.replace(day=1).isoformat(),
        "period_end": w.today.isoformat(),
        "use": "公共设施维护",
    }


def _subsidy_plan_add(w, role):
    from governance.models import ManagementArrangement
    from governance.services_management import arrangement_start

    arrangement = arrangement_start(
        neighbourhood=w.n112,
        mode="fallback",
        provider=w.provider,
        started_on=w.today - datetime.timedelta(days=10),
        actor=w.users.street,
    )
    assert ManagementArrangement.objects.filter(pk=arrangement.pk).exists()
    return {
        "neighbourhood": w.n112.pk,
        "arrangement": arrangement.pk,
        "name": "新华二里物业补贴",
        "area": "3000.00",
        "start_on": w.today.isoformat(),
        "rates_rows-0-rate": "1.00",
        "rates_rows-1-rate": "0.50",
        "payers_text": "区财政局:75\n市财政局:25",
    }


# ---- the table -------------------------------------------------------------------------------


def _field_is(**expected):
    def check(w, obj, role):
        for name, value in expected.items():
            assert str(getattr(obj, name)) == str(value), (name, getattr(obj, name), value)

    return check


def _edits(row, **values):
    """`change` and `changed` for a change page that posts `values` to the world's `row` (a dotted
    attribute path) and reads the same values back from the saved row."""
    get_row = operator.attrgetter(row)
    return {"change": lambda w: (get_row(w), values), "changed": _field_is(**values)}


def _read_only(row, **values):
    """`change` and `change_roles` for a change page no role saves: a POST of `values` to the world's
    `row` (a dotted attribute path) is refused."""
    get_row = operator.attrgetter(row)
    return {"change": lambda w: (get_row(w), values), "change_roles": NOBODY}


def _one_new(**expected):
    def check(w, rows, role):
        assert rows.count() == 1, list(rows)
        _field_is(**expected)(w, rows.get(), role)

    return check


CASES = {
    "auth.Group": Case(
        add=lambda w, role: {"name": "录入组"},
        added=_one_new(name="录入组"),
        **_edits("group", name="复核组"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
        viewers=SUPERUSER,
    ),
    "auth.User": Case(
        add=lambda w, role: {
            "username": "newstaff",
            "usable_password": "true",
            "password1": "a-long-pass-9271",
            "password2": "a-long-pass-9271",
        },
        added=_one_new(username="newstaff"),
        **_edits("users.community", first_name="小红"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
        viewers=SUPERUSER,
    ),
    "authtoken.TokenProxy": Case(
        add=lambda w, role: {"user": w.users.street.pk},
        added=lambda w, rows, role: rows.get(user=w.users.street),
        change=lambda w: (w.token, {}),
        changed=lambda w, obj, role: obj.user == w.users.community,
        change_url=lambda obj: _url(type(obj), "change", obj.user_id),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
        viewers=SUPERUSER,
    ),
    "governance.AuditEntry": Case(
        change=lambda w: (w.rows["governance.AuditEntry"], {"summary": "改写"}),
        change_roles=NOBODY,
    ),
    "governance.LoginCounter": Case(
        # Written by the login check; superusers unlock through the list's action.
        **_read_only("login_counter", failures=0),
        viewers=SUPERUSER,
    ),
    "governance.District": Case(
        add=lambda w, role: {"name": "新设区", "eligibility_cutoff": "2001-01-01"},
        added=_one_new(name="新设区"),
        **_edits("district", name="甜城新区"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "governance.Street": Case(
        add=_street_add,
        added=_one_new(name="新街道"),
        **_edits("s1", name="玉溪街道办事处"),
        add_roles=SUPERUSER,
        change_roles=("superuser", "street"),
    ),
    "governance.Community": Case(
        add=_community_add,
        added=_one_new(name="新社区"),
        **_edits("c11", name="新华社区居委会"),
        add_roles=SUPERUSER,
    ),
    "governance.Neighbourhood": Case(
        add=_neighbourhood_add,
        added=_one_new(name="新建里"),
        **_edits("n111", address="新华路8号"),
    ),
    "governance.Building": Case(
        add=_building_add,
        added=lambda w, rows, role: rows.get(name="9栋").stairwells.get(name="1单元"),
        **_edits("building", floors=7),
    ),
    "governance.Stairwell": Case(
        add=_stairwell_add,
        added=_one_new(name="2单元"),
        change=lambda w: (w.stairwell, {"has_elevator": "on"}),
        changed=_field_is(has_elevator=True),
    ),
    "residents.Household": Case(
        add=_household_add,
        added=_one_new(room="601", floor_area="88.30"),
        change=lambda w: (w.households[0], {"phone": "13700000000"}),
        changed=_field_is(phone="13700000000"),
    ),
    "governance.ManagementArrangement": Case(
        add=_arrangement_add,
        added=_one_new(mode="self_managed"),
        **_edits("arrangement", note="合同续签"),
    ),
    "governance.Assessment": Case(
        add=_assessment_add,
        added=_one_new(score="78.00"),
        **_read_only("assessment", note="改写"),
    ),
    "governance.CompositionRule": Case(
        add=lambda w, role: {"district": w.district.pk, "kind": "property_committee", "min_members": 5},
        added=_one_new(kind="property_committee"),
        **_edits("composition_rule", min_members=1),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "governance.Provider": Case(
        add=lambda w, role: {
            "district": w.district.pk,
            "name": "甜城红色物业服务中心",
            "kind": "party_led",
            "credit_code": "91310110666007217t",  # valid, typed in lower case: stored upper
            "contact_phone": "028-88001234",
        },
        added=_one_new(kind="party_led", credit_code="91310110666007217T"),
        **_edits("provider", contact_name="何经理"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "governance.GridRole": Case(
        add=lambda w, role: {
            "neighbourhood": w.n111.pk,
            "kind": "courtyard_head",
            "name": "张院长",
            "phone": "13800003002",
            "elected_by": "residents",
            "order": 1,
            "buildings": [w.building.pk],
            "stairwells": [w.stairwell.pk],
        },
        added=lambda w, rows, role: list(rows.get(name="张院长").stairwells.all()) == [w.stairwell],
        **_edits("grid_role", kind="lane_head"),
    ),
    "governance.Body": Case(
        add=_body_add,
        added=lambda w, rows, role: rows.get(name="新华二里党支部").members.count() == 2,
        **_edits("body", note="2027年换届"),
    ),
    "governance.PartyMember": Case(
        add=_party_member_add,
        added=_one_new(name="褚党员"),
        **_edits("party_member", organisation="甜城区税务局"),
    ),
    "governance.VanguardTeam": Case(
        add=_vanguard_add,
        added=lambda w, rows, role: list(rows.get().members.all()) == [w.party_member],
        **_edits("vanguard_team", purpose="楼道清洁"),
    ),
    "governance.JointMeeting": Case(
        add=_joint_meeting_add,
        added=lambda w, rows, role: rows.get().resolutions.get().text == "划定停车位" and rows.get().bodies.count() == 1,
        **_edits("joint_meeting", topics="楼道照明与消防通道"),
    ),
    "governance.Resolution": Case(
        # Added with their meeting; here their status moves.
        change=lambda w: (w.resolution, {"move_to": "in_progress", "progress": "已采购灯具"}),
        changed=_field_is(status="in_progress", progress="已采购灯具"),
    ),
    "governance.StarScheme": Case(
        add=lambda w, role: {
            "name": "甜城区绿色小区方案",
            "district": w.district.pk,
            "valid_from": w.today.isoformat(),
            "dimensions-TOTAL_FORMS": 1,
            "dimensions-0-order": 1,
            "dimensions-0-code": "green",
            "dimensions-0-name": "绿色之星",
            "dimensions-0-criteria": "绿化完好",
            "dimensions-0-weight": "100",
        },
        added=lambda w, rows, role: rows.get().dimensions.get().name == "绿色之星",
        **_edits("star_scheme", note="2027年修订"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "governance.StarRating": Case(
        add=lambda w, role: {
            "neighbourhood": w.n111.pk,
            "dimension": w.star_dimensions["hygiene"].pk,
            "year": w.today.year,
            "evidence": "垃圾分类达标",
            "rater": "街道星级评定小组",
            "rated_on": w.today.isoformat(),
        },
        added=_one_new(status="awarded"),
        change=lambda w: (w.star_rating, {"withdraw_reason": "复核未通过：消防通道堵塞"}),
        changed=_field_is(status="withdrawn", withdrawal_reason="复核未通过：消防通道堵塞"),
    ),
    "governance.Disclosure": Case(
        add=lambda w, role: {
            "neighbourhood": w.n111.pk,
            "category": "party_affairs",
            "title": "党支部活动公开",
            "body": "主题党日活动",
            "published_on": w.today.isoformat(),
            "attachments-TOTAL_FORMS": 1,
            "attachments-0-label": "活动照片",
        },
        added=lambda w, rows, role: rows.get().attachments.get().kind == "jpeg",
        **_edits("disclosure", body="第三季度收支明细"),
        files=_disclosure_files,
    ),
    "surveys.Reelection": Case(
        add=lambda w, role: {
            "body": w.body.pk,
            "vote": w.free_election.pk,
            "term_start": timezone.localdate(w.free_election.closed_at).isoformat(),
            "term_end": (timezone.localdate(w.free_election.closed_at) + datetime.timedelta(days=3 * 365)).isoformat(),
        },
        added=lambda w, rows, role: _reload(w.body).term_end == rows.get().term_end,
        **_read_only("reelection", note="改写"),
    ),
    "projects.CatalogueItem": Case(
        add=_catalogue_add,
        added=_one_new(code="bike_shed"),
        **_edits("roads", description="含路缘石"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "projects.Project": Case(
        add=_project_add,
        added=_one_new(code="GZ-NEW"),
        **_edits("project", contractor="甜城建工集团"),
    ),
    "projects.ScopeItem": Case(
        add=_scope_item_add,
        added=_one_new(planned_amount="10000.00"),
        change=lambda w: (w.scope_item, {"actual_quantity": "98", "actual_amount": "17640.00"}),
        changed=_field_is(actual_quantity="98.00"),
    ),
    "projects.ProgressReport": Case(
        add=_progress_add,
        added=_one_new(percent_complete="80.00"),
        **_edits("report", note="进度正常"),
    ),
    "projects.SupervisionFinding": Case(
        add=_finding_add,
        added=_one_new(description="排水沟堵塞"),
        **_edits("finding", description="护栏松动，已通知施工方"),
    ),
    "projects.Acceptance": Case(
        add=_acceptance_add,
        added=_one_new(passed=True),
        **_edits("acceptance", note="资料齐全"),
    ),
    "projects.Photo": Case(
        add=_photo_add,
        added=_one_new(caption="改造后楼道"),
        files=_photo_files,
        **_edits("photo", caption="改造前楼道"),
    ),
    "projects.Notice": Case(
        add=_notice_add,
        added=_one_new(title="竣工结果公示"),
        change=_notice_change,
        changed=_field_is(title="结果公示（修订）"),
    ),
    "projects.Objection": Case(
        change=lambda w: (w.objection, {"answer": "已调整灯位"}),
        changed=_field_is(answer="已调整灯位", status="answered"),
    ),
    "residents.ResidentReport": Case(
        change=lambda w: (w.resident_report, {"answer": "已通知施工单位"}),
        changed=_field_is(answer="已通知施工单位", status="answered"),
    ),
    "surveys.Vote": Case(
        add=_vote_add,
        added=_one_new(title="加装电梯表决", scope="stairwell"),
        change=_vote_change,
        changed=_field_is(title="停车位调整表决（修订）"),
    ),
    "surveys.Ballot": Case(
        add=_ballot_add,
        added=_one_new(choice="disagree", channel="paper"),
        **_read_only("ballot", choice="abstain"),
    ),
    "surveys.ProcessTemplate": Case(
        add=_template_add,
        added=lambda w, rows, role: [s.code for s in rows.get().steps.order_by("order")] == ["D1", "U1"],
        change=_template_change,
        changed=_field_is(description="两步程序"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "surveys.ConsultationProcess": Case(
        add=_process_add,
        added=lambda w, rows, role: rows.get(project=w.candidate).steps.filter(status="open").get(order=1),
        **_read_only("process"),
    ),
    "surveys.ConsultationStep": Case(
        **_read_only("d1", note="改写"),
    ),
    "surveys.StepReview": Case(
        add=_review_add,
        added=_one_new(decision="approved"),
        change=_review_change,
        change_roles=NOBODY,
    ),
    "surveys.Meeting": Case(
        add=_meeting_add,
        added=_one_new(place="小区广场"),
        **_edits("meeting", minutes="议定加装电梯意向摸底"),
    ),
    "surveys.Visit": Case(
        add=_visit_add,
        added=_one_new(notes="老人独居，希望加装扶手"),
        **_edits("visit", notes="已登记需求"),
    ),
    "surveys.Opinion": Case(
        add=_opinion_add,
        added=_one_new(text="建议增加充电桩"),
        **_edits("opinion", answer="adopted", answer_text="已纳入方案"),
    ),
    "surveys.DemandList": Case(
        add=_demand_list_add,
        added=_one_new(intro="请勾选您需要的改造内容", is_open=True),
        **_edits("demand_list", intro="截至月底"),
    ),
    "surveys.DemandSubmission": Case(
        add=_submission_add,
        added=_one_new(channel="visit", text="道路坑洼"),
        **_read_only("submission", text="改写"),
    ),
    "surveys.Questionnaire": Case(
        add=_questionnaire_add,
        added=lambda w, rows, role: [o.text for o in rows.get().questions.get().options.order_by("order")]
        == ["需要", "不需要"],
        **_edits("questionnaire", title="满意度调查（第二轮）"),
    ),
    "surveys.Response": Case(
        add=_response_add,
        added=_one_new(channel="paper"),
        add_url=_response_add_url,
        **_read_only("response"),
    ),
    "surveys.PlanVersion": Case(
        add=_plan_add,
        added=lambda w, rows, role: rows.get().items.get().amount == Decimal("21600.00"),
        **_edits("plan", summary="道路、管网"),
    ),
    "funding.FundingSource": Case(
        # A street's money: community staff read it (they commit it to their projects).
        add=_source_add,
        added=_one_new(kind="special_bond"),
        **_edits("source", document_number="甜财〔2026〕3号"),
        add_roles=("superuser", "street"),
        change_roles=("superuser", "street"),
    ),
    "funding.Commitment": Case(
        add=_commitment_add,
        added=_one_new(amount="150000.00"),
        **_read_only("commitment", amount="1.00"),
    ),
    "funding.Disbursement": Case(
        add=_disbursement_add,
        added=_one_new(voucher_number="PZ-002"),
        **_read_only("disbursement", amount="1.00"),
    ),
    "funding.PublicIncome": Case(
        add=_income_add,
        added=_one_new(kind="advertising"),
        **_edits("income", use="楼道照明"),
    ),
    "funding.SubsidyPlan": Case(
        add=_subsidy_plan_add,
        added=lambda w, rows, role: rows.get().installments.count() == 2,
        **_read_only("subsidy_plan", name="改写"),
    ),
    "funding.SubsidyInstallment": Case(
        **_read_only("installment", amount="1.00"),
    ),
}


REGISTERED = sorted(model._meta.label for model in admin.site._registry)


def test_every_registered_model_has_a_case():
    assert not set(REGISTERED) - set(CASES), f"no entry in CASES for {sorted(set(REGISTERED) - set(CASES))}"
    assert not set(CASES) - set(REGISTERED), f"CASES names unregistered {sorted(set(CASES) - set(REGISTERED))}"


def _model(label):
    return next(m for m in admin.site._registry if m._meta.label == label)


@pytest.mark.parametrize("role", WRITERS)
@pytest.mark.parametrize("label", REGISTERED)
def test_add_page_saves_or_refuses(label, role, w, client):
    case, model = CASES[label], _model(label)
    client.force_login(getattr(w.users, role))
    url = case.add_url(w) if case.add_url else _url(model, "add")
    if role not in case.add_roles:
        assert client.get(url).status_code == 403
        before = model._default_manager.count()
        _write_refused(client, url)
        assert model._default_manager.count() == before
        return
    values = case.add(w, role)
    before = set(model._default_manager.values_list("pk", flat=True))
    _saved(client, url, values, files=case.files(w) if case.files else None)
    new_rows = model._default_manager.exclude(pk__in=before)
    assert new_rows.exists(), "the add page redirected but saved nothing"
    assert case.added(w, new_rows, role) is not False


@pytest.mark.parametrize("role", WRITERS)
@pytest.mark.parametrize("label", REGISTERED)
def test_change_page_saves_or_is_read_only(label, role, w, client):
    case, model = CASES[label], _model(label)
    obj, values = case.change(w)
    client.force_login(getattr(w.users, role))
    url = case.change_url(obj) if case.change_url else _url(model, "change", obj.pk)
    if role not in case.viewers:
        assert client.get(url).status_code == 403
        return
    if role not in case.change_roles:
        before = _snapshot(obj)
        page = client.get(url)
        assert page.status_code == 200, f"GET {url}: {page.status_code}"
        assert 'name="_save"' not in page.content.decode(), "a read-only page offers a save button"
        _write_refused(client, url, values)
        assert _snapshot(obj) == before
        return
    _saved(client, url, values)
    obj = _reload(obj)
    assert case.changed(w, obj, role) is not False
