"""The neighbourhood's public page shows its stars and its disclosures (三公开, issue 13 items 7
and 8) in a real browser on a phone (390×844, Chinese), with the demo's governance rows: the
latest year's stars, the one withdrawn with its reason, the entries with the PDF attachment.
Screenshot: test-artifacts/screenshots/governance-public-phone.png."""

import pytest
from django.utils import timezone

from governance.disclosure import DisclosureAttachment
from governance.stars import StarRating

from .helpers import horizontal_overflow, shoot

pytestmark = pytest.mark.browser


def test_the_public_page_shows_the_stars_and_a_disclosure_on_a_phone(
    governance_demo_rows, phone_page, live_server
):
    page = phone_page
    neighbourhood = StarRating.objects.select_related("neighbourhood").first().neighbourhood
    year = timezone.localdate().year
    response = page.goto(f"{live_server.url}/n/{neighbourhood.pk}/")
    assert response.status == 200
    stars = page.locator("#stars")
    assert stars.get_by_role("heading", level=2, name=f"{year}年度星级评定").is_visible()
    assert stars.get_by_text("获评 2 颗星").is_visible()
    for name in ("安全之星", "和谐之星", "卫生之星"):
        assert stars.get_by_text(name, exact=True).is_visible(), name
    withdrawn = stars.locator(".star-withdrawn")
    assert withdrawn.count() == 1 and "卫生之星" in withdrawn.inner_text() and "已摘星" in withdrawn.inner_text()
    assert "楼道堆放杂物" in withdrawn.inner_text()
    assert "廉洁之星" not in stars.inner_text()  # last year's star, not this year's

    disclosure = page.locator("#disclosure")
    assert disclosure.get_by_role("heading", level=2, name="三公开").is_visible()
    entry = disclosure.locator("article", has_text="第三季度物业服务收支公开")
    assert entry.locator(".tag").inner_text() == "物业服务公开" and entry.locator(".tag").is_visible()
    link = entry.get_by_role("link", name="收支明细")
    attachment = DisclosureAttachment.objects.get()
    assert link.is_visible() and link.get_attribute("href") == attachment.file.url
    assert link.bounding_box()["height"] >= 16
    assert disclosure.get_by_text("小区党支部主题党日活动公开").is_visible()
    assert horizontal_overflow(page) <= 0
    assert page.errors == []
    shoot(page, "governance-public-phone")
