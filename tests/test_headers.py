"""Headers (issue 11, item 10): a Content-Security-Policy on every page (a looser one on the API's
doc pages only), HSTS and the HTTPS redirect when the environment says the site is served over
HTTPS, `manage.py check --deploy` with production settings giving no warning, and the API's schema
and doc pages public (README, "API": why)."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

STRICT = settings.CONTENT_SECURITY_POLICY


def _directives(policy):
    return dict((part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";")) if part)


def test_the_policy_allows_only_the_site_and_nothing_inline():
    directives = _directives(STRICT)
    for name in ("default-src", "script-src", "style-src", "font-src", "connect-src"):
        assert directives[name] == "'self'", name
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in STRICT and "http" not in STRICT


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_every_kind_of_response_carries_the_policy(client, users, territory, who):
    if who == "staff":
        client.force_login(users.superuser)
    paths = [
        "/",
        "/code/",
        f"/n/{territory.n111.pk}/",
        "/no-such-page/",
        "/admin/login/",
        "/admin/",
        "/api/v1/",
        "/api/schema/",
    ]
    for path in paths:
        response = client.get(path)
        assert response["Content-Security-Policy"] == STRICT, path
    if who == "staff":
        response = client.get(reverse("admin:governance_neighbourhood_change", args=[territory.n111.pk]))
        assert response.status_code == 200 and response["Content-Security-Policy"] == STRICT


@pytest.mark.django_db
def test_with_debug_on_the_technical_error_pages_keep_their_inline_styles(client, settings):
    settings.DEBUG = True
    assert "Content-Security-Policy" not in client.get("/no-such-page/")
    assert client.get("/")["Content-Security-Policy"] == STRICT


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_only_the_api_doc_pages_keep_their_own_looser_policy(client, name):
    from config.api_docs import POLICY

    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert policy == POLICY != STRICT
    assert "http" not in policy  # still nothing from another host


def test_our_templates_have_no_inline_script_or_style():
    """What the policy blocks: an inline <script> or <style>, an on…= handler, a style= attribute.
    templates/drf_spectacular/ holds the API doc viewers' pages, which carry their own policy."""
    offenders = []
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        if "drf_spectacular" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("<style", " style=", " onclick=", " onload=", " onchange=", " onsubmit=", "javascript:"):
            if needle in text:
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}: {needle.strip()}")
        for chunk in text.split("<script")[1:]:
            if "src=" not in chunk.split(">", 1)[0]:
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}: inline <script>")
    assert offenders == []


@pytest.mark.django_db
def test_the_api_schema_and_doc_pages_are_public(client):
    for name in ("api-schema", "api-docs", "api-redoc"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get("/api/v1/households/").status_code in (401, 403)  # the data is not


# ---- HTTPS and check --deploy, in fresh interpreters ------------------------------------------

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "renovation.example.org",
    "HTTPS": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}
CLEARED = {"DEBUG", "HTTPS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD",
           "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "ALLOWED_HOSTS", "SECRET_KEY"}


def _run(args, **variables):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY=secrets.token_urlsafe(50), **variables)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_with_production_settings_gives_no_warning():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_without_https():
    """The test above can fail: the same check without HTTPS names the missing headers."""
    result = _run(["manage.py", "check", "--deploy"], **{**PRODUCTION, "HTTPS": "false"})
    output = result.stdout + result.stderr
    assert "security.W004" in output and "security.W008" in output


RESPONSE = """
import django
django.setup()
from django.test import Client
client = Client()
# The schema: a page that needs no collected static files.
plain = client.get("/api/schema/", HTTP_HOST="renovation.example.org")
secure = client.get("/api/schema/", HTTP_HOST="renovation.example.org", HTTP_X_FORWARDED_PROTO="https")
print(plain.status_code, plain.get("Location"))
print(secure.status_code, secure.get("Strict-Transport-Security"))
"""


def test_behind_https_plain_http_is_redirected_and_hsts_is_sent():
    result = _run(["-c", RESPONSE], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    plain, secure = result.stdout.strip().splitlines()[-2:]
    assert plain == "301 https://renovation.example.org/api/schema/"
    assert secure == "200 max-age=31536000; includeSubDomains; preload"


def test_without_https_nothing_is_redirected():
    result = _run(["-c", RESPONSE], **{**PRODUCTION, "HTTPS": "false"})
    assert result.returncode == 0, result.stderr
    plain, secure = result.stdout.strip().splitlines()[-2:]
    assert plain == "200 None" and secure == "200 None"
