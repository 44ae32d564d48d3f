"""Questionnaires: building, publishing, one replaceable response per household, every answer
checked, results with counts, shares and the mean, export."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from surveys.choices import QuestionKind, QuestionnaireStatus, SubmissionChannel
from surveys.models import Answer, Question, Questionnaire, Response
from surveys.selectors import questionnaire_results, questionnaire_results_table
from surveys.services import questionnaire_save, questionnaire_set_status, response_submit


@pytest.fixture
def questionnaire(territory, users):
    q = questionnaire_save(
        questionnaire=Questionnaire(neighbourhood=territory.n111, title="停车需求调查"),
        actor=users.community,
        questions=[
            (Question(text="您家有几辆车？", kind=QuestionKind.SINGLE), ["没有", "1辆", "2辆及以上"]),
            (
                Question(text="希望增加哪些设施？", kind=QuestionKind.MULTIPLE, required=False),
                ["充电桩", "车棚", "停车位"],
            ),
            (Question(text="对现状的满意度", kind=QuestionKind.SCALE), []),
            (Question(text="其他建议", kind=QuestionKind.TEXT, required=False), []),
        ],
    )
    return questionnaire_set_status(questionnaire=q, status=QuestionnaireStatus.OPEN, actor=users.community)


def ids(questionnaire):
    qs = list(questionnaire.questions.order_by("order"))
    return qs, [[o.pk for o in q.options.order_by("order")] for q in qs]


@pytest.mark.django_db
def test_building_refuses_choice_questions_without_options(territory, users):
    with pytest.raises(ValidationError) as info:
        questionnaire_save(
            questionnaire=Questionnaire(neighbourhood=territory.n111, title="x"),
            actor=users.community,
            questions=[(Question(text="单选", kind=QuestionKind.SINGLE), ["唯一"])],
        )
    assert info.value.message_dict["questions"] == ["第1题为选择题，至少需要两个选项。"]
    empty = questionnaire_save(
        questionnaire=Questionnaire(neighbourhood=territory.n111, title="空"), actor=users.community
    )
    with pytest.raises(ValidationError, match="没有题目"):
        questionnaire_set_status(questionnaire=empty, status=QuestionnaireStatus.OPEN, actor=users.community)


@pytest.mark.django_db
def test_answers_are_checked_and_every_problem_named(questionnaire, territory):
    (q1, q2, q3, q4), opts = ids(questionnaire)
    household = territory.n111.households.first()
    with pytest.raises(ValidationError) as info:
        response_submit(
            questionnaire=questionnaire,
            household=household,
            answers={q1.pk: opts[1][0], q2.pk: [opts[0][0], 999], q3.pk: 6},
        )
    assert info.value.message_dict["answers"] == [
        "第1题须选择一个选项。",
        "第2题的选项无效。",
        "第3题须评1至5分。",
    ]
    with pytest.raises(ValidationError) as info:
        response_submit(questionnaire=questionnaire, household=household, answers={})
    assert info.value.message_dict["answers"] == ["第1题为必答题。", "第3题为必答题。"]  # 2 and 4 optional
    with pytest.raises(ValidationError):
        response_submit(
            questionnaire=questionnaire,
            household=territory.n121.households.first(),
            answers={q1.pk: opts[0][0], q2.pk: [opts[1][0]], q3.pk: 3},
        )


@pytest.mark.django_db
def test_one_response_per_household_replaceable_until_closed(questionnaire, territory, users):
    (q1, q2, q3, q4), opts = ids(questionnaire)
    household = territory.n111.households.first()
    response_submit(
        questionnaire=questionnaire,
        household=household,
        answers={q1.pk: opts[0][0], q2.pk: [opts[1][0]], q3.pk: 2},
    )
    again = response_submit(
        questionnaire=questionnaire,
        household=household,
        answers={q1.pk: opts[0][1], q2.pk: [opts[1][0], opts[1][2]], q3.pk: 4, q4.pk: "多种树"},
        channel=SubmissionChannel.PAPER,
        actor=users.community,
    )
    assert Response.objects.filter(household=household).count() == 1
    assert again.revisions == 1 and again.entered_by == users.community
    assert Answer.objects.filter(response=again).count() == 4
    questionnaire_set_status(
        questionnaire=questionnaire, status=QuestionnaireStatus.CLOSED, actor=users.community
    )
    with pytest.raises(ValidationError, match="不接受填写"):
        response_submit(
            questionnaire=questionnaire,
            household=household,
            answers={q1.pk: opts[0][0], q2.pk: [opts[1][0]], q3.pk: 2},
        )


@pytest.mark.django_db
def test_results_count_and_share_with_the_mean(questionnaire, territory, django_assert_num_queries):
    (q1, q2, q3, q4), opts = ids(questionnaire)
    hs = list(territory.n111.households.order_by("pk"))
    data = [
        (opts[0][1], [opts[1][0], opts[1][2]], 5, "多种树"),
        (opts[0][1], [opts[1][0]], 4, ""),
        (opts[0][0], [], 2, ""),
    ]
    for household, (a1, a2, a3, a4) in zip(hs, data):
        response_submit(
            questionnaire=questionnaire,
            household=household,
            answers={q1.pk: a1, q2.pk: a2, q3.pk: a3, q4.pk: a4},
        )
    with django_assert_num_queries(6):
        results = questionnaire_results(questionnaire)
    r1, r2, r3, r4 = results
    assert [(o.label, o.count, o.share) for o in r1.options] == [
        ("没有", 1, Decimal("33.3")),
        ("1辆", 2, Decimal("66.7")),
        ("2辆及以上", 0, Decimal("0.0")),
    ]
    assert r2.answered == 2 and [(o.label, o.count) for o in r2.options] == [
        ("充电桩", 2),
        ("车棚", 0),
        ("停车位", 1),
    ]
    assert r3.mean == Decimal("3.67") and [o.count for o in r3.options] == [0, 1, 0, 1, 1]
    assert r4.texts == ["多种树"] and r4.answered == 1
    headers, rows = questionnaire_results_table(questionnaire)
    assert [3, "对现状的满意度", "1–5分评价", "平均分", 3, Decimal("3.67")] in rows
