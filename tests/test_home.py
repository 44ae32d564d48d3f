"""The home page: entries for residents and staff, and the neighbourhood finder."""
from django.urls import reverse

from tests.factories import NeighbourhoodFactory


def test_home_links_the_resident_and_staff_entries(client, db):
    body = client.get(reverse("home")).content.decode()
    assert reverse("residents:entry") in body
    assert reverse("admin:index") in body


def test_finder_matches_name_or_address_and_links_public_pages(client, territory):
    body = client.get(reverse("home"), {"q": "新华"}).content.decode()
    assert reverse("projects:neighbourhood", args=[territory.n111.pk]) in body
    assert "东风里" not in body
    NeighbourhoodFactory(community=territory.c12, name="纺织厂宿舍", address="新华路8号")
    body = client.get(reverse("home"), {"q": "新华路"}).content.decode()
    assert "纺织厂宿舍" in body


def test_finder_shows_no_personal_data_and_says_when_nothing_matches(client, territory):
    body = client.get(reverse("home"), {"q": "新华"}).content.decode()
    assert "业主" not in body and "13800000000" not in body
    body = client.get(reverse("home"), {"q": "不存在的小区"}).content.decode()
    assert "没有找到" in body


def test_finder_caps_its_results(client, territory):
    for i in range(25):
        NeighbourhoodFactory(community=territory.c11, name=f"测试里{i:02d}")
    response = client.get(reverse("home"), {"q": "测试里"})
    assert len(response.context["found"]) == 20 and response.context["more"] is True
