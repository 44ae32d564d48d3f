"""Failed staff logins (governance.logins): the admin's login and the API token endpoint refuse an
account from a client after 10 failures, even with the right password, saying until when; other
accounts and other clients are unaffected; the cool-off grows; a client spraying many accounts is
limited too; a superuser unlocks from the admin; parallel guesses cannot pass the limit.

Time passing is shown by moving the counters' stamps back (`time_passes`), not by mocking the
clock: the rows are the real ones the next attempt reads."""
import dataclasses
import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from governance import logins
from governance.models import AuditEntry, LoginCounter
from tests.races import at_once, postgresql_only

PASSWORD = "pass-for-tests"  # tests/factories.py's
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
LOCKED = "登录失败次数过多"
FREE = logins.ACCOUNT_CLIENT_RULE.free


def time_passes(seconds):
    """Every counter as it will be `seconds` from now."""
    delta = datetime.timedelta(seconds=seconds)
    for row in LoginCounter.objects.all():
        row.expires_at -= delta
        for field in ("last_failure_at", "locked_until"):
            if getattr(row, field):
                setattr(row, field, getattr(row, field) - delta)
        row.save()


def admin_login(username, password, address="10.0.0.1"):
    """(response, client) of a login through the admin's form."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return response, client


def admin_logged_in(response):
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


@pytest.fixture
def slow_token_clock(monkeypatch):
    """The token endpoint's per-address rate (API_TOKEN_RATE) sees a patient guesser, one
    attempt a minute, so what refuses is the failed-login limit, not the rate."""
    now = [1_000_000.0]
    keys = [f"throttle_api-token_10.0.0.{n}" for n in (1, 2)]
    cache.delete_many(keys)  # only our keys: the cache may be the shared Redis

    def timer(self):
        now[0] += 61
        return now[0]

    monkeypatch.setattr(SimpleRateThrottle, "timer", timer)
    yield
    cache.delete_many(keys)


def token(username, password, address="10.0.0.1"):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


# ---- the rules ---------------------------------------------------------------------------------


def test_the_lock_starts_at_the_tenth_failure_and_doubles_up_to_its_cap():
    rule = logins.ACCOUNT_CLIENT_RULE
    assert [rule.lock_after(n) for n in (0, 9, 10, 11, 12)] == [0, 0, 900, 1800, 3600]
    assert rule.lock_after(10_000) == 12 * 3600
    assert [logins.CLIENT_RULE.lock_after(n) for n in (29, 30, 31, 40)] == [0, 60, 120, 3600]


# ---- the admin's login -------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_login_refuses_the_right_password_after_ten_failures_and_says_when(users):
    for _ in range(FREE):
        response, _client = admin_login("community11", "wrong")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    response, _client = admin_login("community11", PASSWORD)
    page = response.content.decode()
    assert not admin_logged_in(response)
    assert LOCKED in page and "15分钟" in page and "之后再试" in page
    until = timezone.localtime() + datetime.timedelta(minutes=15)
    assert until.strftime("%H:%M") in page or (until - datetime.timedelta(minutes=1)).strftime("%H:%M") in page
    counter = LoginCounter.objects.get(kind="account_client", username="community11")
    assert counter.failures == FREE  # the locked attempt was not checked, nor counted
    # The same account from another client, and another account from this client, sign in.
    assert admin_logged_in(admin_login("community11", PASSWORD, address="10.0.0.2")[0])
    assert admin_logged_in(admin_login("street1", PASSWORD)[0])
    # Typing the username in capitals is the same account.
    response, _client = admin_login("COMMUNITY11", PASSWORD)
    assert LOCKED in response.content.decode()


@pytest.mark.django_db
def test_admin_login_lock_ends_and_grows_with_each_failure_after_it(users):
    for _ in range(FREE):
        admin_login("community11", "wrong")
    time_passes(15 * 60 + 1)
    response, _client = admin_login("community11", "wrong")  # checked again: one more failure
    assert LOCKED not in response.content.decode()
    counter = LoginCounter.objects.get(kind="account_client", username="community11")
    assert 29 * 60 < (counter.locked_until - timezone.now()).total_seconds() <= 30 * 60
    response, _client = admin_login("community11", PASSWORD)
    assert LOCKED in response.content.decode() and "30分钟" in response.content.decode()
    time_passes(30 * 60 + 1)
    assert admin_logged_in(admin_login("community11", PASSWORD)[0])
    # A successful login clears the account's counter for that client.
    assert LoginCounter.objects.get(kind="account_client", username="community11").failures == 0


@pytest.mark.django_db
def test_a_success_clears_the_count_so_typos_never_add_up_to_a_lock(users):
    for _round in range(3):
        for _ in range(FREE - 1):
            admin_login("community11", "wrong")
        assert admin_logged_in(admin_login("community11", PASSWORD)[0])


@pytest.mark.django_db
def test_counters_are_forgotten_a_day_after_the_last_failure(users):
    for _ in range(FREE - 1):
        admin_login("community11", "wrong")
    time_passes(24 * 3600 + 1)
    admin_login("community11", "wrong")
    assert LoginCounter.objects.get(kind="account_client", username="community11").failures == 1


@pytest.mark.django_db
def test_a_client_spraying_many_accounts_is_limited_whatever_the_account(users):
    for n in range(logins.CLIENT_RULE.free):
        admin_login(f"guess{n}", "wrong", address="10.9.9.9")
    response, _client = admin_login("street1", PASSWORD, address="10.9.9.9")
    assert not admin_logged_in(response) and LOCKED in response.content.decode()
    assert "1分钟" in response.content.decode()
    assert admin_logged_in(admin_login("street1", PASSWORD, address="10.9.9.10")[0])


@pytest.mark.django_db
def test_the_forwarded_client_is_counted_behind_a_trusted_proxy_only(users, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.254"]
    for n in range(FREE):
        Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7").post(
            ADMIN_LOGIN, {"username": "community11", "password": "wrong"}
        )
    assert set(LoginCounter.objects.values_list("client", flat=True)) == {"198.51.100.7"}
    proxied = Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.7").post(
        ADMIN_LOGIN, {"username": "community11", "password": PASSWORD}
    )
    assert LOCKED in proxied.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.8").post(
        ADMIN_LOGIN, {"username": "community11", "password": PASSWORD}
    )
    assert other.status_code == 302


# ---- the API token endpoint --------------------------------------------------------------------


@pytest.mark.django_db
def test_token_endpoint_refuses_the_right_password_after_ten_failures_with_retry_after(users, slow_token_clock):
    for _ in range(FREE):
        assert token("community11", "wrong").status_code == 400
    refused = token("community11", PASSWORD)
    assert refused.status_code == 429
    assert 14 * 60 < int(refused["Retry-After"]) <= 15 * 60
    detail = refused.json()["detail"]
    assert detail.startswith(LOCKED) and "之后再试" in detail
    assert not Token.objects.filter(user=users.community).exists()
    # Another client, and another account from this client, get their tokens.
    assert token("community11", PASSWORD, address="10.0.0.2").status_code == 200
    assert token("street1", PASSWORD).status_code == 200
    # The admin's login and the token endpoint share the counters: one lock for both.
    assert LOCKED in admin_login("community11", PASSWORD)[0].content.decode()


@pytest.mark.django_db
def test_token_refusal_speaks_english_when_asked(users, slow_token_clock):
    for _ in range(FREE):
        token("community11", "wrong")
    refused = APIClient().post(
        TOKEN,
        {"username": "community11", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 429 and "Too many failed logins" in refused.json()["detail"]


# ---- unlocking ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_superuser_unlocks_from_the_admin_and_the_account_signs_in_at_once(users):
    for _ in range(FREE):
        admin_login("community11", "wrong")
    assert LOCKED in admin_login("community11", PASSWORD)[0].content.decode()
    counters = LoginCounter.objects.filter(username="community11")
    root = Client()
    root.force_login(users.superuser)
    listing = root.get("/admin/governance/logincounter/?locked=yes")
    assert listing.status_code == 200 and "community11" in listing.content.decode()
    response = root.post(
        "/admin/governance/logincounter/",
        {"action": "unlock", "_selected_action": [c.pk for c in counters]},
        follow=True,
    )
    assert response.status_code == 200 and "已解除1条" in response.content.decode()
    assert not LoginCounter.objects.filter(username="community11").exists()
    entry = AuditEntry.objects.get(action="login_unlock")
    assert entry.actor == users.superuser and entry.details["username"] == "community11"
    assert admin_logged_in(admin_login("community11", PASSWORD)[0])


@pytest.mark.django_db
def test_only_superusers_see_and_unlock_the_counters(users):
    for _ in range(FREE):
        admin_login("community11", "wrong")
    for user in (users.official, users.street, users.community):
        client = Client()
        client.force_login(user)
        assert client.get("/admin/governance/logincounter/").status_code == 403
        refused = client.post(
            "/admin/governance/logincounter/",
            {"action": "unlock", "_selected_action": list(LoginCounter.objects.values_list("pk", flat=True))},
        )
        assert refused.status_code in (302, 403)  # redirected with the reason, or refused
    assert LoginCounter.objects.filter(username="community11").exists()
    with pytest.raises(Exception):  # the service refuses too, whoever calls it
        from governance.services import login_counters_unlock

        login_counters_unlock(counters=list(LoginCounter.objects.all()), actor=users.street)
    assert LoginCounter.objects.filter(username="community11", failures=FREE).exists()


# ---- atomic under concurrency ------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_get_exactly_the_free_checks(users, monkeypatch):
    monkeypatch.setattr(logins, "ACCOUNT_CLIENT_RULE", dataclasses.replace(logins.ACCOUNT_CLIENT_RULE, free=10))
    def locked_out():
        response, _client = admin_login("community11", "wrong", address="10.5.5.5")
        return LOCKED in response.content.decode()

    results = at_once([locked_out] * 30)
    assert results.count(False) == 10 and results.count(True) == 20
    assert LoginCounter.objects.get(kind="account_client", username="community11").failures == 10
