"""Request bodies are capped before they are read (issue 11, item 8): an anonymous 200 MB POST to
/code/ was written to disk before the form refused it. Public forms get a small cap, a household's
demand form (photos) and the census import their own, the API 1 MiB, the admin more."""

import socket
import time

import pytest
from django.test import RequestFactory
from django.urls import resolve, reverse

from config.middleware import body_limit
from residents.services import household_code_issue_one

KIB, MIB = 1024, 1024 * 1024
HUGE = 200 * 1000 * 1000


def _post(client, path, size, content_type="application/octet-stream", **extra):
    return client.generic("POST", path, data=b"x" * size, content_type=content_type, **extra)


# ---- refused before reading -------------------------------------------------------------------


def test_a_huge_declared_body_is_refused_before_it_is_read(client, db):
    """The declared length is 200 MB and 10 bytes follow: the test client's input raises if
    anything tries to read past them, so a 413 here means nothing was read."""
    response = client.generic(
        "POST", "/code/", data=b"code=ABCDE", content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(HUGE),
    )
    assert response.status_code == 413
    assert "上限为 64.0\xa0KB" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_server_answers_413_while_the_client_is_still_sending(live_server):
    """Over a real socket: the headers announce 200 MB, 1 KiB is sent, and the answer comes back
    at once, before the rest of the body exists."""
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            (
                "POST /code/ HTTP/1.1\r\n"
                f"Host: {host}\r\n"
                "Content-Type: multipart/form-data; boundary=xyz\r\n"
                f"Content-Length: {HUGE}\r\n\r\n"
            ).encode()
            + b"--xyz\r\n" + b"x" * KIB
        )
        started = time.monotonic()
        answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5


def test_a_body_without_a_declared_length_is_refused(client, db):
    response = client.generic("POST", "/code/", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    response = client.generic("POST", "/api/v1/commitments/", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411 and "Content-Length" in response.json()["detail"]


def test_an_invalid_declared_length_is_refused(client, db):
    response = client.generic("POST", "/code/", data=b"x", CONTENT_LENGTH="-5")
    assert response.status_code == 400
    response = client.generic("POST", "/code/", data=b"x", CONTENT_LENGTH="12abc")
    assert response.status_code == 400


# ---- each kind of request, its own cap --------------------------------------------------------


def test_public_forms_take_64_kib(client, db):
    form = "application/x-www-form-urlencoded"
    assert _post(client, "/code/", 64 * KIB + 1, form).status_code == 413
    assert _post(client, "/code/", 60 * KIB, form).status_code == 400  # read, and refused by the form
    assert _post(client, reverse("admin:login"), 64 * KIB + 1, form).status_code == 413


def test_the_api_takes_1_mib(client, users):
    client.force_login(users.street)
    response = _post(client, "/api/v1/commitments/", MIB + 1, "application/json")
    assert response.status_code == 413 and "上限为 1.0\xa0MB" in response.json()["detail"]
    body = b'{"amount": "' + b"1" * (MIB - 100) + b'"}'
    response = client.generic("POST", "/api/v1/commitments/", data=body, content_type="application/json")
    assert response.status_code == 400 and "amount" in response.json()


def test_signed_in_staff_send_more_to_the_admin(client, users, territory):
    url = reverse("admin:governance_neighbourhood_change", args=[territory.n111.pk])
    assert _post(client, url, MIB).status_code == 413  # not signed in: the public cap
    client.force_login(users.community)
    response = _post(client, url, MIB, "application/x-www-form-urlencoded")
    assert response.status_code == 200  # read, and refused by the form
    response = client.generic("POST", url, data=b"x", CONTENT_LENGTH=str(33 * MIB))
    assert response.status_code == 413


def test_a_signed_in_household_sends_photos_with_its_demand_form(client, territory, users):
    from tests.surveys.helpers import collecting_project

    project, process, lists = collecting_project(territory, users.community)
    url = reverse("surveys:demand", args=[lists[territory.n111.pk].pk])
    form = "multipart/form-data; boundary=xyz"
    assert _post(client, url, 5 * MIB, form).status_code == 413
    household = territory.n111.households.order_by("pk").first()
    code = household_code_issue_one(household=household, actor=users.community)
    assert client.post(reverse("residents:entry"), {"code": code}).status_code == 302
    response = client.generic("POST", url, data=b"x", content_type=form, CONTENT_LENGTH=str(32 * MIB))
    assert response.status_code == 413
    body = b"--xyz\r\n" + b'Content-Disposition: form-data; name="text"\r\n\r\n' + b"x" * (5 * MIB) + b"\r\n--xyz--\r\n"
    response = client.generic("POST", url, data=body, content_type=form)
    assert response.status_code != 413


@pytest.mark.parametrize(
    "path, who, expected",
    [
        ("/code/", "anonymous", "public"),
        ("/n/1/", "anonymous", "public"),
        ("/me/demand/1/", "anonymous", "public"),
        ("/me/demand/1/", "resident", "resident_photos"),
        ("/me/vote/1/", "resident", "public"),
        ("/api/v1/commitments/", "anonymous", "api"),
        ("/api/v1/commitments/", "staff", "api"),
        ("/admin/login/", "anonymous", "public"),
        ("/admin/projects/photo/add/", "anonymous", "public"),
        ("/admin/projects/photo/add/", "staff", "admin"),
        ("/admin/residents/household/import/", "staff", "census"),
        ("/admin/residents/household/import/", "anonymous", "public"),
    ],
)
def test_which_cap_applies(users, path, who, expected, settings):
    from django.contrib.auth.models import AnonymousUser

    from residents.session import HOUSEHOLD_KEY

    request = RequestFactory().post(path)
    request.user = users.community if who == "staff" else AnonymousUser()
    request.session = {HOUSEHOLD_KEY: 1} if who == "resident" else {}
    assert body_limit(request, resolve(path)) == settings.REQUEST_BODY_LIMITS[expected]


def test_the_caps_come_from_the_environment():
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.REQUEST_BODY_LIMITS['public'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "REQUEST_BODY_MAX_PUBLIC": "1000"}
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "1000"


def test_a_setting_changes_the_cap(client, db, settings):
    settings.REQUEST_BODY_LIMITS = {**settings.REQUEST_BODY_LIMITS, "public": 100}
    assert _post(client, "/code/", 101, "application/x-www-form-urlencoded").status_code == 413
