"""The admin cases of surveys: votes and ballots, consultation processes and their steps, reviews,
meetings, visits, opinions, demand lists, questionnaires, plan versions and re-elections."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tests.admin_cases.base import (
    NOBODY,
    SUPERUSER,
    Case,
    edits,
    field_is,
    one_new,
    read_only,
    reloaded,
)


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



CASES = {
    "surveys.Reelection": Case(
        add=lambda w, role: {
            "body": w.body.pk,
            "vote": w.free_election.pk,
            "term_start": timezone.localdate(w.free_election.closed_at).isoformat(),
            "term_end": (timezone.localdate(w.free_election.closed_at) + datetime.timedelta(days=3 * 365)).isoformat(),
        },
        added=lambda w, rows, role: reloaded(w.body).term_end == rows.get().term_end,
        **read_only("reelection", note="改写"),
    ),
    "surveys.Vote": Case(
        add=_vote_add,
        added=one_new(title="加装电梯表决", scope="stairwell"),
        change=_vote_change,
        changed=field_is(title="停车位调整表决（修订）"),
    ),
    "surveys.Ballot": Case(
        add=_ballot_add,
        added=one_new(choice="disagree", channel="paper"),
        **read_only("ballot", choice="abstain"),
    ),
    "surveys.ProcessTemplate": Case(
        add=_template_add,
        added=lambda w, rows, role: [s.code for s in rows.get().steps.order_by("order")] == ["D1", "U1"],
        change=_template_change,
        changed=field_is(description="两步程序"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
    ),
    "surveys.ConsultationProcess": Case(
        add=_process_add,
        added=lambda w, rows, role: rows.get(project=w.candidate).steps.filter(status="open").get(order=1),
        **read_only("process"),
    ),
    "surveys.ConsultationStep": Case(
        **read_only("d1", note="改写"),
    ),
    "surveys.StepReview": Case(
        add=_review_add,
        added=one_new(decision="approved"),
        change=_review_change,
        change_roles=NOBODY,
    ),
    "surveys.Meeting": Case(
        add=_meeting_add,
        added=one_new(place="小区广场"),
        **edits("meeting", minutes="议定加装电梯意向摸底"),
    ),
    "surveys.Visit": Case(
        add=_visit_add,
        added=one_new(notes="老人独居，希望加装扶手"),
        **edits("visit", notes="已登记需求"),
    ),
    "surveys.Opinion": Case(
        add=_opinion_add,
        added=one_new(text="建议增加充电桩"),
        **edits("opinion", answer="adopted", answer_text="已纳入方案"),
    ),
    "surveys.DemandList": Case(
        add=_demand_list_add,
        added=one_new(intro="请勾选您需要的改造内容", is_open=True),
        **edits("demand_list", intro="截至月底"),
    ),
    "surveys.DemandSubmission": Case(
        add=_submission_add,
        added=one_new(channel="visit", text="道路坑洼"),
        **read_only("submission", text="改写"),
    ),
    "surveys.Questionnaire": Case(
        add=_questionnaire_add,
        added=lambda w, rows, role: [o.text for o in rows.get().questions.get().options.order_by("order")]
        == ["需要", "不需要"],
        **edits("questionnaire", title="满意度调查（第二轮）"),
    ),
    "surveys.Response": Case(
        add=_response_add,
        added=one_new(channel="paper"),
        add_url=_response_add_url,
        **read_only("response"),
    ),
    "surveys.PlanVersion": Case(
        add=_plan_add,
        added=lambda w, rows, role: rows.get().items.get().amount == Decimal("21600.00"),
        **edits("plan", summary="道路、管网"),
    ),
}
