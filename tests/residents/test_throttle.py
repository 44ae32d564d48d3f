"""Household-code guessing limits (residents.throttle) and the client's address behind a proxy
(governance.clients): one test per rule.

Time passing is shown by moving the counters' clock back (`time_passes`), not by mocking the
clock: the rows are the real ones the next attempt reads."""
import dataclasses
import datetime

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from governance.clients import client_ip, client_network
from residents import throttle
from residents.models import AttemptCounter
from residents.services import household_code_issue_one
from tests.races import at_once, postgresql_only

ENTRY = "/code/"
WRONG_MESSAGE = "户码不正确"


def time_passes(seconds):
    """Every counter as it will be `seconds` from now."""
    delta = datetime.timedelta(seconds=seconds)
    for row in AttemptCounter.objects.all():
        row.expires_at -= delta
        if row.last_failure_at:
            row.last_failure_at -= delta
        row.save()


def attempt(client, code):
    return client.post(ENTRY, {"code": code, "next": "/"})


def device_client(address="10.1.1.1"):
    """A browser that keeps cookies: its first page gives it the device cookie."""
    client = Client(REMOTE_ADDR=address)
    assert client.get(ENTRY).cookies.get(throttle.DEVICE_COOKIE)
    return client


@pytest.fixture
def household(territory, users):
    household = territory.n111.households.order_by("pk").first()
    code = household_code_issue_one(household=household, actor=users.community)
    return household, code


def wrong_code(household, last="0"):
    return f"{household.access_code_locator}-0000-000{last}"


def rule_changed(monkeypatch, name, **changes):
    """throttle's rule `name` ("ADDRESS_RULE", "DEVICE_RULE") with `changes`, for this test."""
    monkeypatch.setattr(throttle, name, dataclasses.replace(getattr(throttle, name), **changes))


def counter(key_prefix):
    return AttemptCounter.objects.get(key__startswith=key_prefix)


# ---- the client's address --------------------------------------------------------------------


def request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_client_is_remote_addr_and_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    assert client_ip(request("")) == "unknown"


def test_behind_trusted_proxies_the_header_is_read_right_to_left(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    # nginx (10.0.0.2) appended the address it saw: the client.
    assert client_ip(request("10.0.0.2", "203.0.113.5")) == "203.0.113.5"
    # A forged entry on the left is never believed; the trusted hops on the right are skipped.
    assert client_ip(request("10.0.0.2", "1.2.3.4, 203.0.113.5, 192.0.2.7, 10.0.0.9")) == "203.0.113.5"
    # Several headers arrive joined by commas; spaces and ports are tolerated.
    assert client_ip(request("10.0.0.2", "1.2.3.4,203.0.113.5:4711 ")) == "203.0.113.5"
    assert client_ip(request("10.0.0.2", "[2001:db8::1]:443")) == "2001:db8::1"
    # A request from an untrusted address: its header is the client's own words, ignored.
    assert client_ip(request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    # No header (the proxy's own health check), or every entry trusted: the furthest known hop.
    assert client_ip(request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", "10.0.0.7, 192.0.2.7")) == "10.0.0.7"
    # Garbage where an address should be: stop believing the header at that point.
    assert client_ip(request("10.0.0.2", "203.0.113.5, not-an-address")) == "10.0.0.2"


def test_ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4(settings):
    settings.TRUSTED_PROXIES = []
    assert client_network(request("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert client_network(request("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert client_network(request("2001:db8:1:3::1")) == "2001:db8:1:3::/64"
    assert client_network(request("::ffff:203.0.113.5")) == "203.0.113.5"


@pytest.mark.django_db
def test_the_code_limits_count_the_forwarded_client_not_the_proxy(settings, household):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    a = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    b = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    attempt(a, wrong_code(household[0]))
    attempt(b, wrong_code(household[0]))
    assert sorted(AttemptCounter.objects.values_list("key", flat=True)) == [
        "net:198.51.100.7",
        "net:203.0.113.5",
    ]


# ---- the delays ------------------------------------------------------------------------------


def test_delays_double_from_the_first_past_the_free_allowance_up_to_the_cap():
    rule = throttle.Rule("device", free=5, first_delay=10, max_delay=900, forget_after=3600)
    assert [rule.delay_after(n) for n in range(0, 14)] == [0, 0, 0, 0, 0, 10, 20, 40, 80, 160, 320, 640, 900, 900]
    assert rule.delay_after(10**9) == 900  # no overflow, however many


@pytest.mark.django_db
def test_a_device_has_five_free_wrong_codes_then_waits_doubling_delays(household):
    hh, code = household
    client = device_client()
    for i in range(5):
        assert attempt(client, wrong_code(hh)).status_code == 400
    refused = attempt(client, code)  # its own mistakes: even its right code waits
    assert refused.status_code == 429 and refused["Retry-After"] == "10"
    page = refused.content.decode()
    assert "错误户码次数过多，请等待10秒" in page and "之后再试" in page
    time_passes(10)
    assert attempt(client, wrong_code(hh)).status_code == 400  # checked again, and wrong
    assert attempt(client, wrong_code(hh))["Retry-After"] == "20"
    time_passes(20)
    attempt(client, wrong_code(hh))
    assert attempt(client, wrong_code(hh))["Retry-After"] == "40"
    # The count is the device's: a browser at the same address has its own.
    other = device_client()
    assert attempt(other, code).status_code == 302


@pytest.mark.django_db
def test_long_waits_are_told_in_minutes_and_capped(household):
    hh, _code = household
    client = device_client()
    for _ in range(5):
        attempt(client, wrong_code(hh))
    row = counter("dev:")
    row.failures = 40
    row.save()
    refused = attempt(client, wrong_code(hh))
    assert refused["Retry-After"] == "900"
    assert "错误户码次数过多，请等待15分钟" in refused.content.decode()


@pytest.mark.django_db
def test_a_correct_code_is_never_refused_for_others_mistakes_on_its_household(household):
    hh, code = household
    # Someone who knows the printed prefix tries it from many places, until each must wait.
    for n in range(12):
        stranger = Client(REMOTE_ADDR=f"198.51.100.{n}")
        stranger.get(ENTRY)
        for _ in range(6):
            attempt(stranger, wrong_code(hh))
        assert attempt(stranger, wrong_code(hh)).status_code == 429
    # The family signs in at once, from home or from the community centre's Wi-Fi.
    assert attempt(Client(REMOTE_ADDR="203.0.113.5"), code).status_code == 302
    assert attempt(Client(REMOTE_ADDR="198.51.100.3"), code).status_code == 302


@pytest.mark.django_db
def test_an_address_has_a_large_free_allowance_then_doubling_delays(household, monkeypatch):
    rule_changed(monkeypatch, "ADDRESS_RULE", free=30)
    hh, code = household
    centre = "203.0.113.80"
    # A consultation evening: many phones behind one address, each making a few typos.
    for phone in range(10):
        client = device_client(centre)
        for _ in range(3):
            assert attempt(client, wrong_code(hh)).status_code == 400
    # Past the allowance, everyone there waits a second, then two, ...; a script that drops its
    # cookies is counted by the address all the same.
    refused = attempt(Client(REMOTE_ADDR=centre), wrong_code(hh))
    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    time_passes(1)
    assert attempt(Client(REMOTE_ADDR=centre), wrong_code(hh)).status_code == 400
    refused = attempt(Client(REMOTE_ADDR=centre), code)
    assert refused.status_code == 429 and refused["Retry-After"] == "2"
    assert counter("net:").failures == 31
    # Other addresses are not affected.
    assert attempt(Client(REMOTE_ADDR="203.0.113.81"), code).status_code == 302
    time_passes(2)
    assert attempt(Client(REMOTE_ADDR=centre), code).status_code == 302


@pytest.mark.django_db
def test_an_ipv6_client_cannot_escape_its_address_counter_by_changing_address(household, monkeypatch):
    # A minute's wait, not the real one second, which a loaded machine can let pass unseen.
    rule_changed(monkeypatch, "ADDRESS_RULE", free=3, first_delay=60)
    hh, code = household
    for n in range(3):
        attempt(Client(REMOTE_ADDR=f"2001:db8:5:6::{n + 1}"), wrong_code(hh))
    assert attempt(Client(REMOTE_ADDR="2001:db8:5:6:ffff::1"), code).status_code == 429
    assert attempt(Client(REMOTE_ADDR="2001:db8:5:7::1"), code).status_code == 302


@pytest.mark.django_db
def test_a_correct_code_gives_its_attempt_back_and_clears_its_device(household, monkeypatch):
    rule_changed(monkeypatch, "ADDRESS_RULE", free=3, first_delay=60)  # a wait that cannot lapse
    hh, code = household
    client = device_client("203.0.113.90")
    attempt(client, wrong_code(hh))
    attempt(client, wrong_code(hh))
    for _ in range(5):  # the centre's residents signing in do not use up its allowance
        assert attempt(client, code).status_code == 302
    assert counter("net:").failures == 2
    assert counter("dev:").failures == 0 and counter("dev:").last_failure_at is None
    attempt(client, wrong_code(hh))
    assert attempt(client, code).status_code == 429  # 3 wrong at the address: wait now


@pytest.mark.django_db
def test_counters_are_forgotten_after_a_quiet_while(household):
    hh, code = household
    client = device_client()
    for _ in range(5):
        attempt(client, wrong_code(hh))
    assert attempt(client, code).status_code == 429
    time_passes(throttle.DEVICE_RULE.forget_after)
    for _ in range(5):  # five free ones again
        assert attempt(client, wrong_code(hh)).status_code == 400
    time_passes(throttle.ADDRESS_RULE.forget_after + 600)
    attempt(Client(REMOTE_ADDR="10.9.9.9"), wrong_code(hh))  # a new counter tidies forgotten ones
    assert list(AttemptCounter.objects.values_list("key", flat=True)) == ["net:10.9.9.9"]


@pytest.mark.django_db
def test_what_cannot_be_a_code_is_refused_without_counting(household):
    client = device_client()
    for typed in ("12345", "ABCDE-FGHJ-KMNP-QRST", "你好你好你好你好你好你好你"):
        response = attempt(client, typed)
        assert response.status_code == 400 and WRONG_MESSAGE in response.content.decode()
    assert not AttemptCounter.objects.exists()


@pytest.mark.django_db
def test_a_forged_device_cookie_counts_as_none(household):
    hh, _code = household
    client = Client(REMOTE_ADDR="10.1.1.1")
    client.cookies[throttle.DEVICE_COOKIE] = "attacker-chosen"
    attempt(client, wrong_code(hh))
    assert list(AttemptCounter.objects.values_list("key", flat=True)) == ["net:10.1.1.1"]


# ---- atomic under concurrency ------------------------------------------------------------------


def _parallel_wrong_codes(clients, code, n=60):
    """Send n wrong codes at once (one thread each); return the status codes."""
    results = at_once([lambda c=c: attempt(c, code) for c in clients[:n]])
    return [getattr(r, "status_code", r) for r in results]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sixty_parallel_wrong_codes_from_one_device_get_exactly_its_free_checks(household, monkeypatch):
    # A first delay longer than the run, however slow the machine: every refusal is the race's.
    rule_changed(monkeypatch, "DEVICE_RULE", first_delay=600)
    hh, _code = household
    client = device_client()
    cookie = client.cookies[throttle.DEVICE_COOKIE].value
    clients = []
    for _ in range(60):
        clone = Client(REMOTE_ADDR="10.1.1.1")
        clone.cookies[throttle.DEVICE_COOKIE] = cookie
        clients.append(clone)
    statuses = _parallel_wrong_codes(clients, wrong_code(hh))
    assert statuses.count(400) == throttle.DEVICE_RULE.free == 5
    assert statuses.count(429) == 55
    assert counter("dev:").failures == 5


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sixty_parallel_wrong_codes_from_one_address_get_exactly_its_free_checks(household, monkeypatch):
    rule_changed(monkeypatch, "ADDRESS_RULE", free=20, first_delay=600)
    hh, _code = household
    clients = [Client(REMOTE_ADDR="10.2.2.2") for _ in range(60)]  # no cookies: the address alone
    statuses = _parallel_wrong_codes(clients, wrong_code(hh))
    assert statuses.count(400) == 20 and statuses.count(429) == 40
    assert counter("net:").failures == 20


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "TRUSTED_PROXIES": "127.0.0.1,nginx.local", "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "TRUSTED_PROXIES: 'nginx.local' is not an address" in result.stderr
