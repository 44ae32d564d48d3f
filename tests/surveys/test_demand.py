"""Demand lists: submission, replacement and history, channels, photos, closing with D1,
concurrency, and the aggregate (ranking, shares, query counts)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects.models import CatalogueItem
from surveys.choices import SubmissionChannel
from surveys.models import DemandPhoto, DemandSubmission
from surveys.selectors import demand_aggregate, demand_aggregate_by_neighbourhood
from surveys.services import demand_lists_open, demand_submit, step_complete
from tests.races import at_once, errors_of, postgresql_only

from .helpers import collecting_project, jpeg_upload
from .helpers_races import collecting_in_n111


def menu(*codes):
    return list(CatalogueItem.objects.filter(code__in=codes).order_by("code"))


@pytest.fixture
def setup(territory, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project, process, lists = collecting_project(territory, users.community)
    return project, process, lists[territory.n111.pk], list(territory.n111.households.order_by("pk"))


@pytest.mark.django_db
def test_a_new_submission_replaces_the_current_one_and_keeps_history(setup, users):
    project, process, demand_list, hs = setup
    first = demand_submit(demand_list=demand_list, household=hs[0], items=menu("roads"), text="路面坑洼")
    second = demand_submit(demand_list=demand_list, household=hs[0], items=menu("elevator_retrofit", "roads"))
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert DemandSubmission.objects.filter(household=hs[0]).count() == 2
    assert set(second.items.values_list("code", flat=True)) == {"elevator_retrofit", "roads"}
    assert first.receipt != second.receipt and len(second.receipt) == 10


@pytest.mark.django_db
def test_submissions_are_checked(setup, territory, users):
    project, process, demand_list, hs = setup
    with pytest.raises(ValidationError) as info:
        demand_submit(demand_list=demand_list, household=hs[0], items=[])
    assert "items" in info.value.message_dict
    outsider = territory.n211.households.first()
    with pytest.raises(ValidationError) as info:
        demand_submit(demand_list=demand_list, household=outsider, items=menu("roads"))
    assert "household" in info.value.message_dict
    retired = menu("roads")[0]
    retired.active = False
    retired.save()
    with pytest.raises(ValidationError, match="不可选择"):
        demand_submit(demand_list=demand_list, household=hs[0], items=[retired])
    with pytest.raises(ValidationError) as info:
        demand_submit(demand_list=demand_list, household=hs[0], text="x", photos=[jpeg_upload()] * 4)
    assert "最多上传3张照片" in info.value.message_dict["photos"][0]
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as info:
        demand_submit(
            demand_list=demand_list,
            household=hs[0],
            text="x",
            photos=[jpeg_upload(), SimpleUploadedFile("a.jpg", b"not an image")],
        )
    assert info.value.message_dict["photos"][0].startswith("第2张照片：")
    assert DemandSubmission.objects.count() == 0


@pytest.mark.django_db
def test_photos_are_stored_clean(setup):
    project, process, demand_list, hs = setup
    submission = demand_submit(
        demand_list=demand_list,
        household=hs[0],
        text="楼道漏水",
        photos=[jpeg_upload(), jpeg_upload("b.jpg")],
    )
    photos = list(DemandPhoto.objects.filter(submission=submission))
    assert len(photos) == 2 and all(
        p.image.name.endswith(".jpg") and "photo" not in p.image.name for p in photos
    )


@pytest.mark.django_db
def test_staff_enter_paper_visit_and_meeting_forms_with_their_name(setup, users, territory):
    from governance.choices import RoleKind
    from tests.factories import staff_user

    project, process, demand_list, hs = setup
    paper = demand_submit(
        demand_list=demand_list,
        household=hs[1],
        items=menu("roads"),
        channel=SubmissionChannel.PAPER,
        actor=users.community,
    )
    assert paper.entered_by == users.community and paper.channel == "paper"
    stranger = staff_user(RoleKind.COMMUNITY_STAFF, territory.c21, "c21")
    with pytest.raises(PermissionDenied):
        demand_submit(
            demand_list=demand_list,
            household=hs[1],
            items=menu("roads"),
            channel=SubmissionChannel.VISIT,
            actor=stranger,
        )
    with pytest.raises(PermissionDenied):
        demand_submit(
            demand_list=demand_list, household=hs[1], items=menu("roads"), channel=SubmissionChannel.MEETING
        )


@pytest.mark.django_db
def test_completing_d1_closes_the_list(setup, users, territory):
    project, process, demand_list, hs = setup
    demand_submit(demand_list=demand_list, household=hs[0], items=menu("roads"))
    d1 = process.steps.get(code="D1")
    step_complete(step=d1, actor=users.community)  # the collection itself is the evidence
    demand_list.refresh_from_db()
    assert not demand_list.is_open and demand_list.closed_at
    with pytest.raises(ValidationError, match="征集已经结束"):
        demand_submit(demand_list=demand_list, household=hs[1], items=menu("roads"))
    with pytest.raises(ValidationError, match="只在"):
        demand_lists_open(project=project, actor=users.community)


@pytest.mark.django_db
def test_the_aggregate_ranks_items_by_share_of_households(territory, users, django_assert_num_queries):
    project, process, lists = collecting_project(territory, users.community, [territory.n111, territory.n121])
    a, b = list(territory.n111.households.all()), list(territory.n121.households.all())  # 4 + 4
    picks = [
        (a[0], ("elevator_retrofit", "roads")),
        (a[1], ("elevator_retrofit",)),
        (a[2], ("roads", "parking")),
        (b[0], ("elevator_retrofit",)),
        (b[1], ("parking",)),
    ]
    for household, codes in picks:
        demand_submit(demand_list=lists[household.neighbourhood_id], household=household, items=menu(*codes))
    # A replaced submission no longer counts.
    demand_submit(demand_list=lists[b[1].neighbourhood_id], household=b[1], items=menu("elevator_retrofit"))
    with django_assert_num_queries(5):
        result = demand_aggregate(project)
    assert (result.households, result.respondents) == (8, 5)
    assert [(r.code, r.households, r.share) for r in result.rows] == [
        ("elevator_retrofit", 4, Decimal("50.0")),
        ("roads", 2, Decimal("25.0")),
        ("parking", 1, Decimal("12.5")),
    ]
    one = demand_aggregate(project, neighbourhood=territory.n121)
    assert [(r.code, r.households) for r in one.rows] == [("elevator_retrofit", 2)]
    with django_assert_num_queries(5):
        per = demand_aggregate_by_neighbourhood(project)
    assert [(r.code, r.households) for r in per[territory.n111.pk].rows] == [
        ("roads", 2),
        ("elevator_retrofit", 2),
        ("parking", 1),  # ties: basic before improvement
    ]
    assert per[territory.n121.pk].respondents == 2 and per[territory.n121.pk].households == 4


def _submissions(demand_list, household, codes):
    """One call per menu code, each submitting that code for `household` (to run them at once)."""
    return [
        lambda code=code: demand_submit(demand_list=demand_list, household=household, items=menu(code))
        for code in codes
    ]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_leave_exactly_one_current(territory, users):
    _process, demand_list = collecting_in_n111(territory, users)
    household = territory.n111.households.first()
    assert errors_of(at_once(_submissions(demand_list, household, ["roads", "parking"]))) == []
    assert DemandSubmission.objects.filter(household=household).count() == 2
    assert DemandSubmission.objects.filter(household=household, is_current=True).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_replacements_leave_exactly_one_current_and_the_history(territory, users):
    """The household already has a current submission: both writers must replace it, one after
    the other (row lock; the loser re-reads under READ COMMITTED and retries)."""
    _process, demand_list = collecting_in_n111(territory, users)
    household = territory.n111.households.first()
    first = demand_submit(demand_list=demand_list, household=household, items=menu("lighting"))
    assert errors_of(at_once(_submissions(demand_list, household, ["roads", "parking", "greening"]))) == []
    rows = DemandSubmission.objects.filter(household=household)
    assert rows.count() == 4 and rows.filter(is_current=True).count() == 1
    first.refresh_from_db()
    assert not first.is_current


@pytest.mark.django_db
def test_the_aggregate_exports_to_csv_and_excel(setup):
    import io

    from openpyxl import load_workbook

    from governance.exports import table_csv as to_csv
    from governance.exports import table_xlsx as to_xlsx
    from surveys.exports import demand_table

    project, process, demand_list, hs = setup
    demand_submit(demand_list=demand_list, household=hs[0], items=menu("roads", "parking"))
    demand_submit(demand_list=demand_list, household=hs[1], items=menu("roads"))
    headers, rows = demand_table(demand_aggregate(project), "新华里")
    text = to_csv(headers, rows + [[3, "x", "=HYPERLINK(1)", 0, 0, ""]]).decode("utf-8")
    assert text.startswith("\ufeff排名,类别,改造内容,选择户数,占总户数比例(%),小区")
    assert "1,基础类,小区道路修缮,2,50.0,新华里" in text
    assert "'=HYPERLINK(1)" in text
    sheet = load_workbook(io.BytesIO(to_xlsx(headers, rows, "需求汇总"))).active
    assert [c.value for c in sheet[2]] == [1, "基础类", "小区道路修缮", 2, 50, "新华里"]


@pytest.mark.django_db
def test_returning_u1_reopens_d1_and_its_demand_lists(setup, users):
    from surveys.choices import ReviewDecision
    from surveys.services import step_review

    project, process, demand_list, hs = setup
    demand_submit(demand_list=demand_list, household=hs[0], items=menu("roads"))
    step_complete(step=process.steps.get(code="D1"), actor=users.community)
    step_review(
        step=process.steps.get(code="U1"),
        decision=ReviewDecision.RETURNED,
        department="区住建局",
        comments="征集户数不足，请继续征集",
        actor=users.community,
    )
    demand_list.refresh_from_db()
    assert demand_list.is_open and demand_list.closed_at is None
    assert demand_submit(demand_list=demand_list, household=hs[1], items=menu("parking")).is_current
