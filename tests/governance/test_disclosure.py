"""Disclosure, 三公开 (issue 13 item 8): entries with attachments checked like the other uploads
(type by content, size, image pixels, metadata stripped), the public page's section, and the
scoping table: each role × inside/outside × list, detail, change and API."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from governance import attachments
from governance.disclosure import Disclosure, DisclosureAttachment
from governance.models import AuditEntry
from governance.scoping import scope
from governance.services_disclosure import disclosure_save
from tests.admin_forms import form_data, merged
from tests.scopes import MANAGES, NEIGHBOURHOODS, VISIBLE, assert_rows_scoped, assert_titles_listed, signed_in

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _pdf(name="账目.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _jpeg_with_location(name="公示栏.jpg"):
    image = Image.new("RGB", (60, 40), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 40.0, 50.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _entry(neighbourhood, title="2026年第三季度物业服务公开", published_on=None, category="property_services"):
    return Disclosure(
        neighbourhood=neighbourhood,
        category=category,
        title=title,
        body="保洁、绿化、秩序维护情况；收费和支出明细见附件。",
        published_on=published_on or TODAY - DAY,
    )


def test_an_entry_is_published_with_its_attachments_checked(territory, users, media):
    entry = disclosure_save(
        disclosure=_entry(territory.n111),
        attachments=[DisclosureAttachment(file=_pdf()), DisclosureAttachment(file=_jpeg_with_location(), label="公示栏照片")],
        actor=users.community,
    )
    pdf, photo = entry.attachments.order_by("id")
    assert (pdf.kind, pdf.label, pdf.size) == ("pdf", "账目.pdf", len(PDF))
    assert pdf.file.name.startswith("governance/disclosures/") and "账目" not in pdf.file.name
    assert photo.kind == "jpeg" and photo.label == "公示栏照片"
    with Image.open(photo.file.path) as stored:
        assert not stored.getexif(), "the stored image keeps no EXIF (no location)"
        assert stored.size == (60, 40)
    assert entry.published_by == users.community
    assert AuditEntry.objects.get(action="disclosure_publish").details["attachments"] == 2


@pytest.mark.parametrize(
    "upload, words",
    [
        (SimpleUploadedFile("账目.pdf", b"\x89PNG\r\n\x1a\nnot a pdf"), "不符"),
        (SimpleUploadedFile("工具.exe", b"MZ\x90\x00"), "只接受"),
        (SimpleUploadedFile("空.pdf", b""), "空的"),
        (SimpleUploadedFile("半截.pdf", b"%PDF-1.4\n1 0 obj"), "不完整"),
        (SimpleUploadedFile("坏图.jpg", b"\xff\xd8\xff\xe0garbage"), "图片"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_written(upload, words, territory, users, media):
    with pytest.raises(ValidationError) as refused:
        disclosure_save(disclosure=_entry(territory.n111), attachments=[DisclosureAttachment(file=upload)], actor=users.community)
    assert "file" in refused.value.message_dict and words in refused.value.message_dict["file"][0]
    assert not Disclosure.objects.exists() and not DisclosureAttachment.objects.exists()
    assert not list(media.rglob("*.*"))


def test_a_file_too_large_or_a_pixel_bomb_is_refused(territory, users, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_BYTES", 100)
    with pytest.raises(ValidationError, match="过大"):
        disclosure_save(disclosure=_entry(territory.n111), attachments=[DisclosureAttachment(file=_pdf(data=PDF * 10))], actor=users.community)
    monkeypatch.setattr(attachments, "MAX_BYTES", 10 * 1024 * 1024)
    monkeypatch.setattr(attachments, "MAX_PIXELS", 100)
    with pytest.raises(ValidationError, match="像素"):
        disclosure_save(disclosure=_entry(territory.n111), attachments=[DisclosureAttachment(file=_jpeg_with_location())], actor=users.community)
    assert not Disclosure.objects.exists()


def test_at_most_five_attachments(territory, users, media):
    with pytest.raises(ValidationError, match="最多5个附件"):
        disclosure_save(
            disclosure=_entry(territory.n111),
            attachments=[DisclosureAttachment(file=_pdf(f"{i}.pdf")) for i in range(6)],
            actor=users.community,
        )
    assert not Disclosure.objects.exists() and not list(media.rglob("*.*"))


def test_the_public_page_shows_published_entries_with_their_attachments(territory, users, client):
    url = reverse("projects:neighbourhood", args=[territory.n111.pk])
    assert "三公开" not in client.get(url).content.decode()
    disclosure_save(disclosure=_entry(territory.n111), attachments=[DisclosureAttachment(file=_pdf())], actor=users.community)
    disclosure_save(
        disclosure=_entry(territory.n111, title="党支部换届选举结果", category="party_affairs", published_on=TODAY - 3 * DAY),
        actor=users.community,
    )
    disclosure_save(disclosure=_entry(territory.n111, title="明天才公开的事项", published_on=TODAY + DAY), actor=users.community)
    page = client.get(url).content.decode()
    assert "三公开" in page and "共 2 条" in page
    assert page.index("2026年第三季度物业服务公开") < page.index("党支部换届选举结果")
    assert "物业服务公开" in page and "党务公开" in page and "明天才公开的事项" not in page
    assert "账目.pdf" in page and DisclosureAttachment.objects.get().file.url in page
    assert "三公开" not in client.get(reverse("projects:neighbourhood", args=[territory.n121.pk])).content.decode()


def test_the_admin_publishes_an_entry_with_an_upload(territory, users, client):
    client.force_login(users.street)
    url = reverse("admin:governance_disclosure_add")
    data = merged(
        form_data(client.get(url)),
        {
            "neighbourhood": territory.n111.pk,
            "category": "committee_affairs",
            "title": "业委会2026年度工作报告",
            "body": "全年召开业主大会一次。",
            "published_on": TODAY.isoformat(),
            "attachments-TOTAL_FORMS": 1,
            "attachments-0-label": "工作报告",
            "attachments-0-file": _pdf("报告.pdf"),
            "_save": "1",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = Disclosure.objects.get(title="业委会2026年度工作报告")
    assert entry.attachments.get().label == "工作报告" and entry.attachments.get().kind == "pdf"
    data.update({"title": "伪装的附件", "attachments-0-file": SimpleUploadedFile("x.pdf", b"GIF89a")})
    response = client.post(url, data, follow=True)
    assert "不符" in response.content.decode()
    assert not Disclosure.objects.filter(title="伪装的附件").exists()


# ---- scoping ----------------------------------------------------------------------------------------

@pytest.fixture
def entries(territory, users, city):
    return {
        key: disclosure_save(
            disclosure=_entry(getattr(territory, key), title=f"公开{key}"),
            attachments=[DisclosureAttachment(file=_pdf())],
            actor=users.superuser,
        )
        for key in NEIGHBOURHOODS
    }


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_sees_and_manages_its_territory_only(role, entries, users):
    actor = getattr(users, role)
    assert set(scope(Disclosure.objects.all(), actor).values_list("title", flat=True)) == {f"公开{k}" for k in VISIBLE[role]}
    assert set(scope(Disclosure.objects.all(), actor, write=True).values_list("title", flat=True)) == {f"公开{k}" for k in MANAGES[role]}
    seen = set(scope(DisclosureAttachment.objects.all(), actor).values_list("disclosure__title", flat=True))
    assert seen == {f"公开{k}" for k in VISIBLE[role]}


@pytest.mark.parametrize("role", ["city", "official", "street", "community"])
def test_admin_and_api_inside_and_outside(role, entries, users, client):
    api = signed_in(client, getattr(users, role))
    edit = {"title": "改写"}
    assert_rows_scoped(client, api, role, entries, "governance_disclosure", "/api/v1/disclosures/", edit)
    titles = {key: f"公开{key}" for key in NEIGHBOURHOODS}
    listed = assert_titles_listed(
        client, api, "governance_disclosure", "/api/v1/disclosures/", titles, VISIBLE[role]
    )
    assert all(row["attachments"][0]["kind"] == "pdf" for row in listed)
    assert api.post("/api/v1/disclosures/", {"title": "x"}).status_code in (403, 405)
    assert not Disclosure.objects.filter(title="改写").exists()


def test_outside_writes_are_refused_by_the_services(entries, users):
    for actor in (users.community, users.official, users.city):
        outside = Disclosure.objects.get(pk=entries["n211"].pk)
        outside.title = "越权"
        with pytest.raises(PermissionDenied):
            disclosure_save(disclosure=outside, actor=actor)
        with pytest.raises(PermissionDenied):
            disclosure_save(disclosure=_entry(outside.neighbourhood, title="越权"), actor=actor)
    assert not Disclosure.objects.filter(title="越权").exists()
