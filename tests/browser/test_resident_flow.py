"""A resident on a phone (390×844): enters the household code, submits a demand list and sees the
receipt, votes, and sees the public tally count the ballot. Screenshots go to
test-artifacts/screenshots/resident-*.png."""

import pytest

from governance.choices import RoleKind
from projects.catalogue_data import ensure_national_menu
from projects.models import CatalogueItem
from residents.services import household_code_issue_one
from surveys.models import Ballot, DemandSubmission
from tests.factories import CommunityFactory, HouseholdFactory, StairwellFactory, staff_user
from tests.surveys.helpers import collecting_project, open_vote

from .helpers import horizontal_overflow, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def resident(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_national_menu()  # an earlier transactional test may have emptied the migration's rows
    community = CommunityFactory(name="新华社区", street__name="玉溪街道", street__district__name="甜城区")
    staff = staff_user(RoleKind.COMMUNITY_STAFF, community, "flow-staff")
    stairwell = StairwellFactory(
        building__neighbourhood__community=community,
        building__neighbourhood__name="新华里",
        building__name="3栋",
        name="1单元",
    )
    households = [HouseholdFactory(stairwell=stairwell, room=f"{i}01") for i in range(1, 5)]
    neighbourhood = stairwell.building.neighbourhood
    territory = type("T", (), {"n111": neighbourhood, "s1": community.street})
    project, process, lists = collecting_project(territory, staff)
    vote = open_vote(neighbourhood, staff, project=project)
    code = household_code_issue_one(household=households[0], actor=staff)
    return households[0], code, lists[neighbourhood.pk], vote


def _tap(page, locator):
    box = locator.bounding_box()
    assert box and box["height"] >= 40, f"tap target too small: {box}"
    with page.expect_navigation():
        locator.click()


def test_a_resident_submits_demands_votes_and_sees_the_tally(phone_page, live_server, resident):
    page = phone_page
    household, code, demand_list, vote = resident
    tally_url = f"{live_server.url}/votes/{vote.pk}/tally/"
    page.goto(tally_url)
    assert page.locator('[data-figure="voting_owners"]').inner_text() == "0"
    assert page.locator('[data-figure="total_area"]').inner_text() == "302.00"

    page.goto(f"{live_server.url}/me/")
    assert "/code/" in page.url
    shoot(page, "resident-1-entry")
    page.fill("input[name=code]", code.lower())
    _tap(page, page.get_by_role("button", name="进入"))
    assert page.url.endswith("/me/")
    assert page.get_by_role("heading", level=1, name="我家的事项").is_visible()
    shoot(page, "resident-2-home")

    _tap(page, page.get_by_role("link", name="填写需求清单"))
    assert page.get_by_text("基础类", exact=True).is_visible()
    page.get_by_label(CatalogueItem.objects.get(code="roads").name).check()
    page.get_by_label(CatalogueItem.objects.get(code="elevator_retrofit").name).check()
    page.fill("textarea[name=text]", "3栋楼道灯经常不亮")
    assert horizontal_overflow(page) <= 0
    shoot(page, "resident-3-demand-form")
    _tap(page, page.get_by_role("button", name="提交需求清单"))
    submission = DemandSubmission.objects.get(household=household, is_current=True)
    assert page.locator(".receipt-no").inner_text() == submission.receipt
    assert page.get_by_text("小区道路修缮").is_visible()
    shoot(page, "resident-4-demand-receipt")

    page.goto(f"{live_server.url}/me/")
    _tap(page, page.get_by_role("link", name="参加表决"))
    page.get_by_label("同意").check()
    shoot(page, "resident-5-vote")
    _tap(page, page.get_by_role("button", name="提交表决"))
    assert page.get_by_role("heading", level=1, name="表决已记录").is_visible()
    assert Ballot.objects.get(vote=vote, household=household).choice == "agree"
    shoot(page, "resident-6-vote-receipt")

    _tap(page, page.get_by_role("link", name="查看计票"))
    assert page.url == tally_url
    assert page.locator('[data-figure="voting_owners"]').inner_text() == "1"
    assert page.locator('[data-figure="agree_area"]').inner_text() == str(household.floor_area)
    assert household.owner_name not in page.content()
    assert horizontal_overflow(page) <= 0
    shoot(page, "resident-7-tally")
    assert page.errors == []
