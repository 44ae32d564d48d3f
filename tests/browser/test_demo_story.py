"""The demo as a resident meets it: seed the small demo, take a household code exactly as
`manage.py demo_logins` prints it (what `make run` shows), and on a phone (390×844, zh-CN) enter
it at /code/, submit the demand list, answer the questionnaire and cast the vote, each checked in
the database. Screenshots go to test-artifacts/screenshots/demo-story-*.png."""

import re

import pytest

from projects.models import CatalogueItem
from residents.selectors import household_for_code
from surveys.models import Ballot, DemandSubmission, Response

from .helpers import horizontal_overflow, shoot

pytestmark = pytest.mark.browser

# A printed code line: "  <place>：<code> — 可以填写：需求清单、问卷、表决（…）".
CODE_LINE = re.compile(r"^\s+(?P<place>.+?)：(?P<code>\S+) — 可以填写：需求清单、问卷、表决", re.MULTILINE)
ENTRY_URL = re.compile(r"在 (?P<url>\S+/code/) 输入户码")


def _tap(page, locator):
    box = locator.bounding_box()
    assert box and box["height"] >= 40, f"tap target too small: {box}"
    with page.expect_navigation():
        locator.click()


def test_a_resident_follows_the_printed_code_through_every_task(phone_page, demo_logins):
    page = phone_page
    line = CODE_LINE.search(demo_logins)
    assert line, demo_logins
    code, place = line["code"], line["place"]
    household = household_for_code(code)
    assert household is not None and household.neighbourhood.name in place

    page.goto(ENTRY_URL.search(demo_logins)["url"])
    page.fill("input[name=code]", code)
    shoot(page, "demo-story-1-entry")
    _tap(page, page.get_by_role("button", name="进入"))
    assert page.url.endswith("/me/")
    assert page.get_by_role("heading", level=1, name="我家的事项").is_visible()
    for task in ("填写需求清单", "填写问卷", "参加表决"):
        assert page.get_by_role("link", name=task).is_visible(), task
    assert horizontal_overflow(page) <= 0
    shoot(page, "demo-story-2-home")

    # The demand list.
    _tap(page, page.get_by_role("link", name="填写需求清单"))
    page.get_by_label(CatalogueItem.objects.get(code="drainage").name).check()
    page.get_by_label(CatalogueItem.objects.get(code="elevator_retrofit").name).check()
    page.fill("textarea[name=text]", "楼道灯经常不亮")
    shoot(page, "demo-story-3-demand")
    _tap(page, page.get_by_role("button", name="提交需求清单"))
    submission = DemandSubmission.objects.get(household=household, is_current=True)
    assert set(submission.items.values_list("code", flat=True)) == {"drainage", "elevator_retrofit"}
    assert submission.text == "楼道灯经常不亮" and submission.channel == "online"
    assert page.locator(".receipt-no").inner_text() == submission.receipt
    shoot(page, "demo-story-4-demand-receipt")

    # The questionnaire.
    page.goto(page.url.split("/me/")[0] + "/me/")
    _tap(page, page.get_by_role("link", name="填写问卷"))
    page.get_by_label("愿意", exact=True).check()
    page.get_by_label("停车难", exact=True).check()
    page.get_by_label("楼道照明", exact=True).check()
    page.get_by_label("4分", exact=True).check()
    page.locator("textarea").fill("施工期间请安排好临时停车")
    assert horizontal_overflow(page) <= 0
    shoot(page, "demo-story-5-questionnaire")
    _tap(page, page.get_by_role("button", name="提交问卷"))
    assert page.url.endswith("/me/")
    assert page.get_by_text("问卷已提交").is_visible()
    response = Response.objects.get(household=household)
    answers = {a.question.order: a for a in response.answers.select_related("question")}
    assert [o.text for o in answers[1].options.all()] == ["愿意"]
    assert sorted(o.text for o in answers[2].options.all()) == sorted(["停车难", "楼道照明"])
    assert answers[3].scale == 4 and answers[4].text == "施工期间请安排好临时停车"

    # The vote.
    _tap(page, page.get_by_role("link", name="参加表决"))
    page.get_by_label("同意").check()
    shoot(page, "demo-story-6-vote")
    _tap(page, page.get_by_role("button", name="提交表决"))
    assert page.get_by_role("heading", level=1, name="表决已记录").is_visible()
    ballot = Ballot.objects.get(household=household, vote__status="open")
    assert ballot.choice == "agree" and ballot.channel == "online"
    shoot(page, "demo-story-7-vote-receipt")

    # Back on the household's page, all three say what was done.
    page.goto(page.url.split("/me/")[0] + "/me/")
    assert page.get_by_text("查看回执").is_visible()
    assert page.get_by_text("您已表决：同意").is_visible()
    assert page.get_by_role("link", name="修改问卷").is_visible()
    assert horizontal_overflow(page) <= 0
    shoot(page, "demo-story-8-done")
    assert page.errors == []
