"""The neighbourhood's public page shows its grid contact card (issue 13 item 3) in a real browser
on a phone (390×844, Chinese), with the demo's heads and grid worker: each name with its role,
never a phone. Screenshot: test-artifacts/screenshots/grid-public-phone.png."""

import pytest

from governance.demo import GRID
from governance.grid import GridRole

from .helpers import horizontal_overflow, shoot

pytestmark = pytest.mark.browser


def test_the_public_page_shows_the_grid_contact_card_on_a_phone(
    governance_demo_rows, phone_page, live_server
):
    page = phone_page
    neighbourhood = GridRole.objects.select_related("neighbourhood").first().neighbourhood
    response = page.goto(f"{live_server.url}/n/{neighbourhood.pk}/")
    assert response.status == 200
    card = page.locator("#grid-contacts")
    assert card.get_by_role("heading", level=2, name="小区“五长”与网格员").is_visible()
    cards = card.locator(".contact-card")
    assert cards.count() == len(GRID)
    for row, (kind, name, phone, *_rest) in zip(cards.all(), GRID):
        text = row.inner_text()
        assert name in text and str(dict(GridRole._meta.get_field("kind").choices)[kind]) in text, text
    body = page.locator("body").inner_text()
    for _kind, _name, phone, *_rest in GRID:
        assert not phone or phone not in body
    assert horizontal_overflow(page) <= 0
    assert page.errors == []
    shoot(page, "grid-public-phone")
