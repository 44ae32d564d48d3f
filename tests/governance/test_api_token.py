"""The token endpoint for API clients (/api/v1/auth/token/): credentials in, the user's token out,
usable on the API; refused credentials say so; attempts are throttled per client address at the
configured rate (429 with Retry-After), a forged X-Forwarded-For gives no fresh allowance; the
schema documents it."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.test import APIClient

from tests.factories import UserFactory

URL = "/api/v1/auth/token/"
PASSWORD = "pass-for-tests"  # tests/factories.py's
ADDRESSES = ("127.0.0.1", "10.0.0.7", "10.0.0.8", "203.0.113.9")


def _rate():
    """(requests, seconds) of the configured rate, parsed as DRF parses it."""
    return SimpleRateThrottle.parse_rate(None, settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api-token"])


@pytest.fixture(autouse=True)
def _fresh_counts():
    """The counts live in the cache (the shared Redis when REDIS_URL is set): only our keys go."""
    keys = [f"throttle_api-token_{address}" for address in ADDRESSES]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def _post(data, address="127.0.0.1", **extra):
    return APIClient().post(URL, data, format="json", REMOTE_ADDR=address, **extra)


@pytest.mark.django_db
def test_credentials_give_the_token_that_authenticates_the_api(territory, users):
    response = _post({"username": "community11", "password": PASSWORD})
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(user=users.community).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    households = client.get("/api/v1/households/")
    assert households.status_code == 200
    assert {row["neighbourhood"] for row in households.json()["results"]} == {territory.n111.pk}
    # The same token again, and a form body works too.
    again = APIClient().post(URL, {"username": "community11", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert again.status_code == 200 and again.json()["token"] == key


@pytest.mark.django_db
def test_refused_credentials_get_no_token(users):
    UserFactory(username="gone", is_active=False)
    for body in (
        {"username": "community11", "password": "wrong"},
        {"username": "nobody-by-this-name", "password": PASSWORD},
        {"username": "gone", "password": PASSWORD},
    ):
        response = _post(body)
        assert response.status_code == 400, body
        assert "token" not in response.json()
    missing = _post({"username": "community11"})
    assert missing.status_code == 400 and "password" in missing.json()
    too_long = _post({"username": "x" * 151, "password": PASSWORD})
    assert too_long.status_code == 400 and "username" in too_long.json()
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_a_session_is_not_needed_and_not_used(users):
    """The endpoint takes credentials only: a logged-in browser session posting without a CSRF
    token is not refused for CSRF, and without credentials gets no token."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users.community)
    assert client.post(URL, {"username": "community11", "password": PASSWORD}, format="json").status_code == 200
    assert client.post(URL, {}, format="json").status_code == 400


@pytest.mark.django_db
def test_attempts_are_throttled_per_client_with_retry_after(users, monkeypatch):
    allowed, seconds = _rate()
    now = [1_000_000.0]
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: now[0])
    # Wrong passwords of another account: ten on one account from one client would also lock that
    # account there (governance.logins, tests/governance/test_logins.py), which is not this rate.
    for _ in range(allowed):
        assert _post({"username": "street1", "password": "wrong"}).status_code == 400
    refused = _post({"username": "community11", "password": PASSWORD})  # right, but past the limit
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= seconds
    assert not Token.objects.exists()
    # A forged X-Forwarded-For is not another client.
    forged = _post({"username": "community11", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forged.status_code == 429
    # Another address has its own allowance.
    assert _post({"username": "community11", "password": PASSWORD}, address="10.0.0.8").status_code == 200
    # Once the window has passed, the first client may try again.
    now[0] += seconds + 1
    assert _post({"username": "community11", "password": PASSWORD}).status_code == 200


def test_the_rate_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['api-token'])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"}
    for value, expected in (("3/hour", "3/hour"), (None, "10/min")):
        env.pop("API_TOKEN_RATE", None)
        if value:
            env["API_TOKEN_RATE"] = value
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == expected


def test_the_schema_documents_the_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][URL]["post"]
    assert set(operation["responses"]) == {"200", "400", "429"}
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert "security" not in operation  # no credentials needed but those of the body
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body]["properties"]) == {"username", "password"}


@pytest.mark.django_db
def test_a_token_authenticates_as_drfs_did_in_one_query(territory, users, django_assert_num_queries):
    """governance.api.authentication.TokenAuthentication: the token's user (a full user, whose
    roles then scope the answer), in one query; an unknown key, an inactive user's token and a
    malformed header are refused with DRF's words (its own check)."""
    from django.utils import translation
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.test import APIRequestFactory

    from governance.api.authentication import TokenAuthentication

    key = Token.objects.create(user=users.community).key
    request = APIRequestFactory().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token {key}")
    TokenAuthentication().authenticate(request)  # its statement prepared on this connection (once)
    with django_assert_num_queries(1):
        user, token = TokenAuthentication().authenticate(request)
    assert user == users.community and token.key == key and token.user is user
    assert token.created == Token.objects.get(key=key).created
    fresh = type(users.community).objects.get(pk=users.community.pk)
    assert {f.attname: getattr(user, f.attname) for f in fresh._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields
    }
    assert not user._state.adding and user._state.db == "default"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert {row["neighbourhood"] for row in client.get("/api/v1/households/").json()["results"]} == {
        territory.n111.pk
    }
    refusals = {
        f"Token {key[:-1]}x": "Invalid token.",
        "Token": "Invalid token header. No credentials provided.",
        f"Token {key} more": "Invalid token header. Token string should not contain spaces.",
    }
    for header, detail in refusals.items():
        for language in ("en", "zh-hans"):  # DRF's own words, and its translations
            with translation.override(language), pytest.raises(AuthenticationFailed) as refused:
                TokenAuthentication().authenticate(APIRequestFactory().get("/", HTTP_AUTHORIZATION=header))
            assert (str(refused.value.detail) == detail) == (language == "en")
    assert TokenAuthentication().authenticate(APIRequestFactory().get("/")) is None
    # The session's authenticator comes first, so a refused token is a 403 (DRF's rule).
    refused = APIClient(HTTP_AUTHORIZATION="Token nope", HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/households/")
    assert refused.status_code == 403 and refused.json()["detail"] == "Invalid token."
    type(users.community).objects.filter(pk=users.community.pk).update(is_active=False)
    with translation.override("en"), pytest.raises(AuthenticationFailed) as inactive:
        TokenAuthentication().authenticate(request)
    assert str(inactive.value.detail) == "User inactive or deleted."
    assert client.get("/api/v1/households/").status_code == 403
