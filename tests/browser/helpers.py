"""Helpers for the browser tests: screenshots, layout measures, logging in through the admin."""
from pathlib import Path

import pytest
from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "pass-for-tests"  # the password tests/factories.py gives every user


def shoot(page, name, full_page=True):
    """Save a screenshot (of the full page, or of the window with full_page=False: for pages tens
    of thousands of pixels long) as test-artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def horizontal_overflow(page):
    """How many CSS pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def admin_login(page, base_url, username, password=PASSWORD):
    """Log in through the admin's real login form and wait for the admin index.

    Fails with the form's own error text when the login is refused."""
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    if "/admin/login/" in page.url:
        error = page.locator(".errornote, .errorlist").all_inner_texts()
        pytest.fail(f"login of {username!r} refused: {' '.join(error) or 'no error shown'}", pytrace=False)
    return page
