"""Consultation processes: strict order, evidence, votes, reviews and the return loop; meetings,
visits, opinions and their counts; the consultation_complete gate."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.errors import Refused
from projects.gates import transition_reasons
from surveys.choices import MeetingKind, OpinionAnswer, OpinionSource, ReviewDecision
from surveys.gates import consultation_complete
from surveys.models import ConsultationProcess, Meeting, Opinion, ProcessTemplate, StepReview, Visit
from surveys.selectors import opinion_counts
from surveys.services import (
    meeting_save,
    opinion_answer,
    opinion_save,
    process_start,
    step_complete,
    step_review,
    visit_save,
    vote_close,
)
from tests.projects.factories import ProjectFactory

from .helpers import open_vote

TODAY = datetime.date(2026, 3, 1)


@pytest.fixture
def project(territory):
    return ProjectFactory(code="P1", lead_street=territory.s1, neighbourhoods=[territory.n111])


@pytest.fixture
def process(project, users):
    return process_start(project=project, actor=users.community)


def steps(process):
    return {s.code: s for s in process.steps.all()}


def statuses(process):
    return "".join(
        {"done": "x", "open": "o", "pending": "."}[s.status] for s in process.steps.order_by("order")
    )


def meet(process, step, territory, actor, attendees=30):
    return meeting_save(
        meeting=Meeting(
            process=process,
            step=step,
            neighbourhood=territory.n111,
            kind=MeetingKind.ASSEMBLY,
            held_on=TODAY,
            place="社区活动室",
            attendees=attendees,
            households_represented=attendees // 2,
        ),
        actor=actor,
    )


def approve(step, actor):
    return step_review(step=step, decision=ReviewDecision.APPROVED, department="区住建局", actor=actor)


@pytest.mark.django_db
def test_the_builtin_template_is_restored_when_missing():
    from surveys.services import builtin_template

    ProcessTemplate.objects.filter(district__isnull=True).delete()
    template = builtin_template()
    assert [s.code for s in template.steps.order_by("order")] == ["D1", "U1", "D2", "U2", "D3", "U3"]
    assert builtin_template() == template


@pytest.mark.django_db
def test_the_builtin_template_is_three_down_three_up():
    template = ProcessTemplate.objects.get(district__isnull=True, name="三下三上")
    assert [(s.code, s.direction) for s in template.steps.all()] == [
        ("D1", "down"),
        ("U1", "up"),
        ("D2", "down"),
        ("U2", "up"),
        ("D3", "down"),
        ("U3", "up"),
    ]
    assert [s.code for s in template.steps.filter(closes_demand_list=True)] == ["D1"]
    assert [s.code for s in template.steps.filter(needs_vote=True)] == ["D3"]
    from surveys.services import BUILTIN_STEPS

    stored = [(s.code, s.direction, s.name, s.closes_demand_list, s.needs_vote) for s in template.steps.all()]
    assert stored == [tuple(row) for row in BUILTIN_STEPS]  # the migration and the code agree


@pytest.mark.django_db
def test_process_start_copies_the_steps_and_opens_the_first(process, project, users):
    assert statuses(process) == "o....."
    with pytest.raises(ValidationError, match="已启动"):
        process_start(project=project, actor=users.community)
    other = ProjectFactory(
        code="P2", lead_street=project.lead_street, neighbourhoods=[project.neighbourhoods.get()]
    )
    with pytest.raises(PermissionDenied):
        process_start(project=other, actor=users.official)


@pytest.mark.django_db
def test_every_attempt_to_skip_a_step_is_refused_with_a_reason(process, users, territory):
    s = steps(process)
    for code in ("U1", "D2", "U2", "D3", "U3"):
        with pytest.raises(Refused) as info:
            step_complete(step=s[code], actor=users.community)
        assert "须先完成步骤“D1 一下：召开居民大会，征集改造需求”，不能跳过。" in info.value.messages
    with pytest.raises(Refused) as info:
        step_review(
            step=s["U2"], decision=ReviewDecision.APPROVED, department="区住建局", actor=users.community
        )
    assert len(info.value.messages) == 3  # D1, U1, D2 not done
    with pytest.raises(Refused) as info:
        step_complete(step=s["D1"], actor=users.community)
    assert "尚无开展记录" in info.value.messages[0]
    with pytest.raises(Refused, match="不经部门审核"):
        step_review(
            step=s["D1"], decision=ReviewDecision.APPROVED, department="区住建局", actor=users.community
        )
    meet(process, s["D1"], territory, users.community, attendees=0)
    with pytest.raises(Refused):  # a meeting nobody attended is no evidence
        step_complete(step=s["D1"], actor=users.community)
    meet(process, s["D1"], territory, users.community)
    step_complete(step=s["D1"], actor=users.community, note="居民大会已召开")
    assert statuses(process) == "xo...."
    with pytest.raises(Refused, match="已完成"):
        step_complete(step=s["D1"], actor=users.community)
    with pytest.raises(Refused, match="以部门审核结束"):
        step_complete(step=s["U1"], actor=users.community)


@pytest.mark.django_db
def test_a_returned_up_step_reopens_the_previous_down_step_and_records_the_loop(process, users, territory):
    s = steps(process)
    meet(process, s["D1"], territory, users.community)
    step_complete(step=s["D1"], actor=users.community)
    approve(s["U1"], users.community)
    visit = visit_save(
        visit=Visit(
            process=process,
            step=s["D2"],
            household=territory.n111.households.first(),
            visited_on=TODAY,
            notes="看了楼道",
        ),
        actor=users.community,
    )
    assert visit.staff == users.community
    step_complete(step=s["D2"], actor=users.community)
    assert statuses(process) == "xxxo.."
    with pytest.raises(ValidationError) as info:
        step_review(
            step=s["U2"], decision=ReviewDecision.RETURNED, department="区住建局", actor=users.community
        )
    assert "comments" in info.value.message_dict
    review = step_review(
        step=s["U2"],
        decision=ReviewDecision.RETURNED,
        department="区住建局",
        comments="停车位方案须再征求意见",
        actor=users.street,
    )
    assert statuses(process) == "xxo..."
    assert review.reopened_step.code == "D2" and review.reviewer == users.street
    d2 = process.steps.get(code="D2")
    assert d2.rounds == 1 and d2.completed_at is None
    # The loop: D2 again (evidence from before still counts), then U2 approved.
    step_complete(step=d2, actor=users.community)
    approve(process.steps.get(code="U2"), users.community)
    assert statuses(process) == "xxxxo."
    assert list(StepReview.objects.filter(step__process=process).values_list("step__code", "decision")) == [
        ("U1", "approved"),
        ("U2", "returned"),
        ("U2", "approved"),
    ]


@pytest.mark.django_db
def test_d3_needs_a_concluded_vote_and_the_gate_needs_every_step(process, project, users, territory):
    s = steps(process)
    assert consultation_complete(project) == [
        f"协商步骤“{st}”尚未完成。" for st in process.steps.order_by("order")
    ]
    for down, up in (("D1", "U1"), ("D2", "U2")):
        meet(process, s[down], territory, users.community)
        step_complete(step=s[down], actor=users.community)
        approve(s[up], users.community)
    meet(process, s["D3"], territory, users.community)
    with pytest.raises(Refused) as info:
        step_complete(step=s["D3"], actor=users.community)
    assert info.value.messages == ["小区“新华里”的最终方案表决尚未结束计票。"]
    vote = open_vote(territory.n111, users.community, project=project)
    with pytest.raises(Refused):
        step_complete(step=s["D3"], actor=users.community)  # open, not concluded
    vote_close(vote=vote, actor=users.community, now=vote.closes_at)
    step_complete(step=s["D3"], actor=users.community)
    approve(s["U3"], users.community)
    assert statuses(process) == "xxxxxx"
    assert consultation_complete(project) == []
    project.stage = "consultation"
    assert not any("协商" in r for r in transition_reasons(project, "tender"))


@pytest.mark.django_db
def test_gate_without_a_process(project):
    assert consultation_complete(project) == ["项目尚未启动协商程序（三下三上）。"]


@pytest.mark.django_db
def test_opinions_are_answered_and_counted_per_step_and_project(
    process, users, territory, django_assert_num_queries
):
    s = steps(process)
    household = territory.n111.households.first()

    def add(step, text, source=OpinionSource.MEETING):
        return opinion_save(
            opinion=Opinion(
                process=process,
                step=step,
                neighbourhood=territory.n111,
                text=text,
                source=source,
                household=household,
            ),
            actor=users.community,
        )

    o1, o2, o3 = (
        add(s["D1"], "加装电梯"),
        add(s["D1"], "增加停车位"),
        add(s["D2"], "楼道照明", OpinionSource.VISIT),
    )
    opinion_answer(opinion=o1, answer=OpinionAnswer.ADOPTED, actor=users.community)
    with pytest.raises(ValidationError) as info:
        opinion_answer(opinion=o2, answer=OpinionAnswer.NOT_ADOPTED, actor=users.community)
    assert "answer_text" in info.value.message_dict
    opinion_answer(opinion=o2, answer=OpinionAnswer.PARTLY, answer_text="新增20个车位", actor=users.community)
    opinion_save(
        opinion=Opinion(
            process=process, neighbourhood=territory.n111, text="公示异议转来", source="objection"
        ),
        actor=users.community,
    )
    with pytest.raises(ValidationError):
        opinion_save(
            opinion=Opinion(process=process, neighbourhood=territory.n211, text="x", source="online"),
            actor=users.street,
        )
    with django_assert_num_queries(2):
        counts = opinion_counts(process)
    assert counts.total.collected == 4 and counts.total.adopted == 2 and counts.total.pending == 2
    assert [(c.code, c.collected, c.adopted) for c in counts.steps] == [
        ("D1", 2, 2),
        ("U1", 0, 0),
        ("D2", 1, 0),
        ("U2", 0, 0),
        ("D3", 0, 0),
        ("U3", 0, 0),
    ]
    assert counts.total.summary == "收集意见 4 条，采纳 2 条"
    assert o3.answer == OpinionAnswer.PENDING


@pytest.mark.django_db
def test_meetings_and_visits_stay_inside_the_project(process, users, territory):
    s = steps(process)
    with pytest.raises(ValidationError) as info:
        meeting_save(
            meeting=Meeting(
                process=process,
                step=s["D1"],
                neighbourhood=territory.n211,
                kind="courtyard",
                held_on=TODAY,
                place="院坝",
            ),
            actor=users.street,
        )
    assert "neighbourhood" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        meet(process, s["D1"], territory, users.official)
    assert ConsultationProcess.objects.count() == 1


@pytest.mark.django_db
def test_districts_define_templates_that_alternate_down_and_up(users, territory, project):
    from surveys.models import TemplateStep
    from surveys.services import template_save

    def steps(*rows):
        return [TemplateStep(code=c, direction=d, name=c) for c, d in rows]

    two = ProcessTemplate(name="两下两上", district=territory.district)
    with pytest.raises(PermissionDenied):
        template_save(template=two, steps=steps(("D1", "down"), ("U1", "up")), actor=users.street)
    with pytest.raises(ValidationError) as info:
        template_save(
            template=two, steps=steps(("D1", "down"), ("D2", "down"), ("U1", "up")), actor=users.superuser
        )
    assert info.value.message_dict["steps"] == ["“下”与“上”步骤须交替进行。"]
    saved = template_save(
        template=two,
        steps=steps(("D1", "down"), ("U1", "up"), ("D2", "down"), ("U2", "up")),
        actor=users.superuser,
    )
    process = process_start(project=project, template=saved, actor=users.community)
    assert [s.code for s in process.steps.order_by("order")] == ["D1", "U1", "D2", "U2"]
    with pytest.raises(ValidationError, match="已有项目使用"):
        template_save(template=saved, steps=steps(("D1", "down"), ("U1", "up")), actor=users.superuser)
    builtin = ProcessTemplate.objects.get(district__isnull=True, name="三下三上")
    with pytest.raises(ValidationError, match="不能修改"):
        template_save(template=builtin, steps=[], actor=users.superuser)
