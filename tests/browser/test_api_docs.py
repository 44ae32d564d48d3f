"""The API's doc pages work offline: /api/docs/ (Swagger UI) and /api/redoc/ (ReDoc) load their
scripts, styles and fonts from this server only (the sidecar's bundles, the machine's fonts) and
render the schema. Every request the pages make is recorded: none may leave for another host.
Requests to another host are aborted anyway, so the test never reaches the network.

ReDoc's side menu always tries to draw Redocly's logo from cdn.redoc.ly; the pages' security
policy (config/api_docs.py) refuses it inside the browser, so it never goes out. The test allows
exactly that refused attempt and nothing else."""
from urllib.parse import urlsplit

import pytest

from .helpers import shoot

pytestmark = pytest.mark.browser

OPERATION = "Get an API token"  # governance.api.auth.TokenView's summary
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
RENDER_TIMEOUT = 60_000  # ReDoc lays out ~100 operations: slow on a loaded 2-core machine


def _open_recording(page, base_url, path):
    """Open `path`, recording every request of the page and its workers, and which of them the
    page's security policy refused before they left the browser."""
    origin = urlsplit(base_url)
    record = {"requested": [], "refused_by_policy": []}

    def on_route(route):
        if _ours(route.request.url, origin):
            route.continue_()
        else:
            route.abort()

    def on_failed(request):
        if request.failure == "csp":
            record["refused_by_policy"].append(request.url)

    page.context.on("request", lambda request: record["requested"].append(request.url))
    page.context.on("requestfailed", on_failed)
    page.context.route("**/*", on_route)
    response = page.goto(base_url + path)
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    return record


def _ours(url, origin):
    """Whether `url` names this server (a blob: URL made by one of our pages counts as ours; a
    data: URL names no host at all)."""
    if url.startswith("data:"):
        return True
    if url.startswith("blob:"):
        url = url[len("blob:"):]
    parts = urlsplit(url)
    return (parts.scheme, parts.hostname, parts.port) == (origin.scheme, origin.hostname, origin.port)


def _gone_out(record, base_url):
    """The requests to another host that were not refused inside the browser."""
    origin = urlsplit(base_url)
    return [url for url in record["requested"] if not _ours(url, origin) and url not in record["refused_by_policy"]]


def _settle(page):
    """Let the page finish what it loads late (ReDoc mounts its side menu's logo after the rest)."""
    page.wait_for_load_state("networkidle")
    page.mouse.wheel(0, 4000)
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")


def test_swagger_ui_asks_no_other_host_and_renders_the_schema(desktop_page, live_server):
    page = desktop_page
    record = _open_recording(page, live_server.url, "/api/docs/")
    page.get_by_text(OPERATION, exact=True).first.wait_for(state="visible", timeout=RENDER_TIMEOUT)
    assert page.get_by_text("/api/v1/households/", exact=True).first.is_visible()
    _settle(page)

    assert _gone_out(record, live_server.url) == []
    assert record["refused_by_policy"] == []
    assert any(url.endswith("/api/schema/") for url in record["requested"])
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in record["requested"])
    assert page.errors == []
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "api-docs-swagger", full_page=False)


def test_redoc_asks_no_other_host_uses_local_fonts_and_renders_the_schema(desktop_page, live_server):
    page = desktop_page
    record = _open_recording(page, live_server.url, "/api/redoc/")
    heading = page.get_by_role("heading", name=OPERATION).first
    heading.wait_for(state="visible", timeout=RENDER_TIMEOUT)
    _settle(page)

    assert _gone_out(record, live_server.url) == []
    assert set(record["refused_by_policy"]) <= {REDOCLY_LOGO}
    assert any(url.endswith("/api/schema/") for url in record["requested"])
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in record["requested"])
    # No stylesheet or preconnect of another host in the page; ReDoc draws in the machine's fonts.
    assert page.locator("link[href^='http']").count() == 0
    font = heading.evaluate("el => getComputedStyle(el).fontFamily")
    assert "Noto Sans CJK SC" in font and "Montserrat" not in font
    # The search runs in a worker made from a blob: it still works under the policy.
    page.get_by_placeholder("Search...").fill("API token")
    result = page.locator(f"[data-role='search:results'] [role=menuitem][aria-label='{OPERATION}']")
    result.wait_for(state="visible")
    assert page.errors == []
    heading.scroll_into_view_if_needed()
    shoot(page, "api-docs-redoc", full_page=False)
