"""The admin cases of governance: the territory, the audit trail and login counters, long-term
management, self-governance bodies, joint meetings, star ratings and disclosure."""

import datetime

from django.utils import timezone

from tests.admin_cases.base import NOBODY, SUPERUSER, Case, edits, field_is, one_new, read_only


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



CASES = {
    "governance.AuditEntry": Case(
        change=lambda w: (w.rows["governance.AuditEntry"], {"summary": "改写"}),
        change_roles=NOBODY,
    ),
    "governance.LoginCounter": Case(
        # Written by the login check; superusers unlock through the list's action.
        **read_only("login_counter", failures=0),
        viewers=SUPERUSER,
    ),
    "governance.District": Case(
        add=lambda w, role: {"name": "新设区", "eligibility_cutoff": "2001-01-01"},
        added=one_new(name="新设区"),
        **edits("district", name="甜城新区"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "governance.Street": Case(
        add=_street_add,
        added=one_new(name="新街道"),
        **edits("s1", name="玉溪街道办事处"),
        add_roles=SUPERUSER,
        change_roles=("superuser", "street"),
    ),
    "governance.Community": Case(
        add=_community_add,
        added=one_new(name="新社区"),
        **edits("c11", name="新华社区居委会"),
        add_roles=SUPERUSER,
    ),
    "governance.Neighbourhood": Case(
        add=_neighbourhood_add,
        added=one_new(name="新建里"),
        **edits("n111", address="新华路8号"),
    ),
    "governance.Building": Case(
        add=_building_add,
        added=lambda w, rows, role: rows.get(name="9栋").stairwells.get(name="1单元"),
        **edits("building", floors=7),
    ),
    "governance.Stairwell": Case(
        add=_stairwell_add,
        added=one_new(name="2单元"),
        change=lambda w: (w.stairwell, {"has_elevator": "on"}),
        changed=field_is(has_elevator=True),
    ),
    "governance.ManagementArrangement": Case(
        add=_arrangement_add,
        added=one_new(mode="self_managed"),
        **edits("arrangement", note="合同续签"),
    ),
    "governance.Assessment": Case(
        add=_assessment_add,
        added=one_new(score="78.00"),
        **read_only("assessment", note="改写"),
    ),
    "governance.CompositionRule": Case(
        add=lambda w, role: {"district": w.district.pk, "kind": "property_committee", "min_members": 5},
        added=one_new(kind="property_committee"),
        **edits("composition_rule", min_members=1),
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
        added=one_new(kind="party_led", credit_code="91310110666007217T"),
        **edits("provider", contact_name="何经理"),
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
        **edits("grid_role", kind="lane_head"),
    ),
    "governance.Body": Case(
        add=_body_add,
        added=lambda w, rows, role: rows.get(name="新华二里党支部").members.count() == 2,
        **edits("body", note="2027年换届"),
    ),
    "governance.PartyMember": Case(
        add=_party_member_add,
        added=one_new(name="褚党员"),
        **edits("party_member", organisation="甜城区税务局"),
    ),
    "governance.VanguardTeam": Case(
        add=_vanguard_add,
        added=lambda w, rows, role: list(rows.get().members.all()) == [w.party_member],
        **edits("vanguard_team", purpose="楼道清洁"),
    ),
    "governance.JointMeeting": Case(
        add=_joint_meeting_add,
        added=lambda w, rows, role: rows.get().resolutions.get().text == "划定停车位" and rows.get().bodies.count() == 1,
        **edits("joint_meeting", topics="楼道照明与消防通道"),
    ),
    "governance.Resolution": Case(
        # Added with their meeting; here their status moves.
        change=lambda w: (w.resolution, {"move_to": "in_progress", "progress": "已采购灯具"}),
        changed=field_is(status="in_progress", progress="已采购灯具"),
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
        **edits("star_scheme", note="2027年修订"),
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
        added=one_new(status="awarded"),
        change=lambda w: (w.star_rating, {"withdraw_reason": "复核未通过：消防通道堵塞"}),
        changed=field_is(status="withdrawn", withdrawal_reason="复核未通过：消防通道堵塞"),
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
        **edits("disclosure", body="第三季度收支明细"),
        files=_disclosure_files,
    ),
}
