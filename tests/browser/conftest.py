"""Browser tests: Debian's chromium driven through Playwright against pytest-django's live server.

The registries serve no browser builds, so `playwright install` is never used: the browser is the
system's chromium (with fonts-noto-cjk for the Chinese text). Without chromium the tests are
skipped, saying how to install it; in CI (CI=true) they fail instead, because .ci/run installs it.

Every test here uses `live_server`, so pytest-django gives it a transactional database: rows the
test writes are committed and the server thread sees them.
"""
import os
import random
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = "chromium not installed: apt-get install chromium fonts-noto-cjk"
MISSING_FONTS = "no Chinese font for chromium: apt-get install fonts-noto-cjk"

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


@pytest.fixture(scope="package")
def browser():
    """One headless chromium for all the browser tests of this package.

    Package-scoped rather than session-scoped on purpose: Playwright's sync API keeps an asyncio
    event loop running in the test thread for as long as Playwright is started. Django refuses ORM
    calls from a thread with a running loop (SynchronousOnlyOperation), although here the loop only
    waits on the browser and never runs our code concurrently. So while Playwright runs we set
    DJANGO_ALLOW_ASYNC_UNSAFE, and we stop Playwright (and restore the variable) when the last
    browser test is done, so the rest of the suite runs with Django's check in force.
    """
    executable = shutil.which("chromium")
    missing = None
    if executable is None:
        missing = MISSING_CHROMIUM
    elif not _has_chinese_font():
        missing = MISSING_FONTS
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing} (CI installs it: see .ci/run)", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _has_chinese_font():
    """Whether fontconfig knows a Chinese font (without one, chromium draws boxes for every character).

    Without the fc-list tool we cannot tell, and let the tests run."""
    if shutil.which("fc-list") is None:
        return True
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30)
    return bool(listed.stdout.strip())


def _page(browser, options):
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []  # uncaught JavaScript errors, for tests to assert on
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return context, page


@pytest.fixture
def phone_page(browser, live_server):
    """A page the size of a phone (390×844 CSS pixels, touch, zh-CN)."""
    context, page = _page(browser, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    """A page the size of an office desktop (1366×900, zh-CN)."""
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def governance_demo_rows(transactional_db, settings, tmp_path):
    """governance's demo rows alone (tiny scale, a fixed seed), committed; returns its context."""
    from governance import demo

    settings.MEDIA_ROOT = tmp_path
    ctx = demo.DemoContext(scale="tiny", rng=random.Random(2001), write=lambda line: None)
    demo.seed(ctx)
    return ctx


@pytest.fixture
def demo_logins(transactional_db, settings, tmp_path, live_server):
    """The small demo, committed (the live server sees it), and demo_logins' printout for it."""
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", "--base-url", live_server.url, stdout=out)
    return out.getvalue()
