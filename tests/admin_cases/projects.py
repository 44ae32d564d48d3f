"""The admin cases of projects: the catalogue, projects and their works records, notices and
objections."""

import datetime

from tests.admin_cases.base import SUPERUSER, Case, edits, field_is, one_new


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



CASES = {
    "projects.CatalogueItem": Case(
        add=_catalogue_add,
        added=one_new(code="bike_shed"),
        **edits("roads", description="含路缘石"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "projects.Project": Case(
        add=_project_add,
        added=one_new(code="GZ-NEW"),
        **edits("project", contractor="甜城建工集团"),
    ),
    "projects.ScopeItem": Case(
        add=_scope_item_add,
        added=one_new(planned_amount="10000.00"),
        change=lambda w: (w.scope_item, {"actual_quantity": "98", "actual_amount": "17640.00"}),
        changed=field_is(actual_quantity="98.00"),
    ),
    "projects.ProgressReport": Case(
        add=_progress_add,
        added=one_new(percent_complete="80.00"),
        **edits("report", note="进度正常"),
    ),
    "projects.SupervisionFinding": Case(
        add=_finding_add,
        added=one_new(description="排水沟堵塞"),
        **edits("finding", description="护栏松动，已通知施工方"),
    ),
    "projects.Acceptance": Case(
        add=_acceptance_add,
        added=one_new(passed=True),
        **edits("acceptance", note="资料齐全"),
    ),
    "projects.Photo": Case(
        add=_photo_add,
        added=one_new(caption="改造后楼道"),
        files=_photo_files,
        **edits("photo", caption="改造前楼道"),
    ),
    "projects.Notice": Case(
        add=_notice_add,
        added=one_new(title="竣工结果公示"),
        change=_notice_change,
        changed=field_is(title="结果公示（修订）"),
    ),
    "projects.Objection": Case(
        change=lambda w: (w.objection, {"answer": "已调整灯位"}),
        changed=field_is(answer="已调整灯位", status="answered"),
    ),
}
