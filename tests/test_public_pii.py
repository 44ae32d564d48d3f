"""No phone number or ID number of the demo's people reaches a public page or an API response
(issue 13, "What it must show").

The small demo is seeded once for the module; then every public page is fetched: the finder `/`
(searched for every neighbourhood's name), each neighbourhood's page `/n/<id>/` and its income
page, each vote's public tally, the household's pages under `/me/` (signed in with a fresh code
of a household that reported a problem, and of one that did not), the report form, the API
schema, and the staff API's residents' reports and bodies as every demo role reads them. Each
response is searched for
- every phone recorded in the demo (households, body members, the party members' ledger), and
  anything shaped like a mainland mobile number;
- anything shaped like an 18-character ID number with a valid GB 11643 check digit (the demo's
  owners have such numbers, stored only as keyed hashes), and every stored hash itself.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.test import APIClient

from governance.bodies import BodyMember, PartyMember
from governance.models import Neighbourhood
from residents.models import Household
from residents.reports import ResidentReport
from residents.services import household_code_issue_one

# A number stands alone: a digit run inside a longer word is not a phone. A photo's stored name is
# a uuid4 in hex, and eleven of its digits in a row can look like a mobile number.
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
ID_SHAPED = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _valid_id_number(text):
    return "10X98765432"[sum(int(d) * w for d, w in zip(text[:17], _WEIGHTS)) % 11] == text[17].upper()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with django_db_blocker.unblock():
            with transaction.atomic():
                call_command("seed_demo", "--scale", "small", stdout=StringIO())
                yield
                transaction.set_rollback(True)


def _secrets():
    phones = set(Household.objects.exclude(phone="").values_list("phone", flat=True))
    phones |= set(BodyMember.objects.exclude(phone="").values_list("phone", flat=True))
    phones |= set(PartyMember.objects.exclude(phone="").values_list("phone", flat=True))
    hashes = set(Household.objects.exclude(owner_id_hash="").values_list("owner_id_hash", flat=True))
    return phones, hashes


def _problems(text, phones, hashes):
    found = [p for p in phones if p in text]
    found += [f"mobile-shaped {m}" for m in MOBILE.findall(text)]
    found += [f"ID-shaped {m}" for m in ID_SHAPED.findall(text) if _valid_id_number(m)]
    found += [f"ID hash {h[:12]}…" for h in hashes if h in text]
    return found


def test_the_scan_finds_a_mobile_number_in_text_but_not_inside_a_file_name():
    text = (
        '<a href="/media/projects/photos/a50d82d714233926071b8cb8f4733f49.jpg">照片</a>'
        "<p>联系电话：13912345678，或 tel:15000000000</p>"
    )
    assert _problems(text, set(), set()) == ["mobile-shaped 13912345678", "mobile-shaped 15000000000"]


def _public_urls():
    urls = ["/", "/api/schema/"]
    for neighbourhood in Neighbourhood.objects.order_by("pk"):
        urls += [f"/?q={neighbourhood.name}", f"/n/{neighbourhood.pk}/", f"/n/{neighbourhood.pk}/income/"]
    from surveys.models import Vote

    urls += [f"/votes/{pk}/tally/" for pk in Vote.objects.values_list("pk", flat=True)]
    return urls


def test_no_phone_or_id_number_on_any_public_page(demo, db):
    phones, hashes = _secrets()
    assert len(phones) > 1000 and len(hashes) > 1000  # the demo's people are there to be found
    client = Client()
    checked = 0
    for url in _public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _problems(response.content.decode(), phones, hashes), url
        checked += 1
    assert checked > 40


def test_no_phone_or_id_number_on_the_households_pages(demo, db):
    from django.contrib.auth import get_user_model

    phones, hashes = _secrets()
    staff = get_user_model().objects.get(username="community")
    reporting = ResidentReport.objects.filter(status="answered").select_related("household").first().household
    quiet = Household.objects.filter(neighbourhood=reporting.neighbourhood).exclude(reports__isnull=False).first()
    assert reporting.phone and quiet.phone
    for household in (reporting, quiet):
        code = household_code_issue_one(household=household, actor=staff)
        client = Client()
        assert client.post("/code/", {"code": code, "next": "/me/"}).status_code == 302
        pages = ["/me/", "/me/reports/new/"]
        home = client.get("/me/").content.decode()
        pages += sorted(set(re.findall(r'href="(/me/[^"#?]+)"', home)))
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            assert not _problems(text, phones, hashes), url
            assert household.owner_name not in text, url


@pytest.mark.parametrize("username", ["admin", "city", "district", "street", "community"])
def test_no_phone_or_id_number_in_the_reports_and_bodies_api(demo, db, username):
    from django.contrib.auth import get_user_model

    phones, hashes = _secrets()
    api = APIClient()
    api.force_authenticate(get_user_model().objects.get(username=username))
    for url in ("/api/v1/resident-reports/", "/api/v1/bodies/"):
        response = api.get(url)
        assert response.status_code == 200, url
        assert not _problems(response.content.decode(), phones, hashes), (username, url)
        for row in response.json()["results"][:5]:
            detail = api.get(f"{url}{row['id']}/")
            assert not _problems(detail.content.decode(), phones, hashes), (username, url, row["id"])
