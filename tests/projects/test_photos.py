"""Photo checks: the content decides what an image is, size and pixel caps, bombs refused, EXIF
location stripped with the orientation applied, a thumbnail, a generated name."""

import io
import os
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from governance import photos
from projects.models import Photo
from governance.photos import prepare_photo
from projects.services import photo_upload

from .factories import ProjectFactory

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _image_bytes(fmt="JPEG", size=(40, 20), color=(200, 30, 30), exif=None):
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, fmt, **kwargs)
    return out.getvalue()


def _upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _message(exc_info):
    return exc_info.value.message_dict["image"][0]


def test_a_non_image_with_an_image_extension_is_refused():
    with pytest.raises(ValidationError) as info:
        prepare_photo(_upload(b"%PDF-1.4 this is not a photo at all", name="scan.jpg"))
    assert _message(info) == "文件不是有效的图片（请上传 JPEG、PNG 或 WebP 格式的照片）。"


def test_an_image_of_another_format_is_refused_whatever_its_name():
    with pytest.raises(ValidationError) as info:
        prepare_photo(_upload(_image_bytes("GIF"), name="animation.png"))
    assert _message(info) == "只接受 JPEG、PNG、WebP 格式的照片（该文件实际为 GIF 格式）。"


def test_an_oversized_file_is_refused():
    noise = Image.frombytes("RGB", (2048, 1800), os.urandom(2048 * 1800 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert out.tell() > photos.MAX_BYTES
    with pytest.raises(ValidationError) as info:
        prepare_photo(_upload(out.getvalue(), name="big.png"))
    assert _message(info).startswith("照片文件过大（") and "上限为 10 MB" in _message(info)


def _png_declaring(width, height):
    """A tiny valid PNG (1×1) whose header is rewritten to declare width×height."""
    data = bytearray(_image_bytes("PNG", size=(1, 1)))
    ihdr = 8  # after the signature: length(4) type(4) data(13) crc(4)
    assert data[ihdr + 4 : ihdr + 8] == b"IHDR"
    body = struct.pack(">II", width, height) + bytes(data[ihdr + 16 : ihdr + 21])
    data[ihdr + 8 : ihdr + 21] = body
    data[ihdr + 21 : ihdr + 25] = struct.pack(">I", zlib.crc32(b"IHDR" + body) & 0xFFFFFFFF)
    return bytes(data)


def test_a_decompression_bomb_is_refused_from_its_header():
    bomb = _png_declaring(8000, 8000)  # 64 megapixels declared in a file of a few bytes
    assert len(bomb) < 200
    with pytest.raises(ValidationError) as info:
        prepare_photo(_upload(bomb, name="bomb.png"))
    assert _message(info) == "照片像素过多（8000×8000），上限为 4000 万像素。"


@pytest.mark.parametrize("side, our_cap", [(60000, None), (10000, 10**12)])
def test_pillows_own_bomb_guards_are_reported_clearly(monkeypatch, side, our_cap):
    """60000² trips Pillow's DecompressionBombError in Image.open; 10000² (with our own cap lifted)
    its DecompressionBombWarning, which is turned into the same refusal."""
    if our_cap:
        monkeypatch.setattr(photos, "MAX_PIXELS", our_cap)
    with pytest.raises(ValidationError) as info:
        prepare_photo(_upload(_png_declaring(side, side), name="bomb.png"))
    assert _message(info) == "照片像素过多，疑似恶意构造的文件，已拒收。"


def test_a_truncated_image_is_refused():
    data = _image_bytes("PNG", size=(300, 300))
    with pytest.raises(ValidationError) as info:
        prepare_photo(_upload(data[: len(data) // 2], name="cut.png"))
    assert _message(info) == "图片文件已损坏或不完整，无法读取。"


def _gps_exif():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "TestCam"
    exif[GPS_IFD] = {1: "N", 2: (30.0, 34.0, 12.5), 3: "E", 4: (104.0, 3.0, 55.1)}
    exif.get_ifd(0x8769)[36867] = "2025:06:01 09:30:00"
    return exif


@pytest.mark.django_db
def test_exif_location_is_stripped_orientation_applied_and_names_generated(
    territory, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    original = _image_bytes("JPEG", size=(40, 20), exif=_gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the input does carry GPS
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    photo = photo_upload(
        project=project,
        kind="before",
        upload=_upload(original, name="张三家门口.jpg"),
        caption="改造前 1栋",
        actor=users.community,
    )
    photo.refresh_from_db()
    assert photo.image.name == f"projects/photos/{photo.uid.hex}.jpg"
    assert "张三" not in photo.image.name and "张三" not in photo.thumbnail.name
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
    assert stored.format == "JPEG"
    assert (stored.width, stored.height) == (20, 40) == (photo.width, photo.height)  # orientation applied
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info and b"TestCam" not in photo.image.open("rb").read()
    assert photo.taken_at is not None and timezone.localtime(photo.taken_at).hour == 9
    with photo.thumbnail.open("rb") as f:
        thumb = Image.open(io.BytesIO(f.read()))
    assert thumb.format == "JPEG" and max(thumb.size) <= 480 and dict(thumb.getexif()) == {}


@pytest.mark.django_db
def test_png_and_webp_keep_their_format(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for fmt, ext in (("PNG", "png"), ("WEBP", "webp")):
        prepared = prepare_photo(_upload(_image_bytes(fmt, size=(900, 600)), name=f"x.{ext}"))
        assert prepared.image.name.endswith(f".{ext}")
        assert Image.open(io.BytesIO(prepared.image.read())).format == fmt
        thumb = Image.open(io.BytesIO(prepared.thumbnail.read()))
        assert thumb.size == (480, 320)


@pytest.mark.django_db
def test_the_admin_upload_shows_the_checks_message(client, territory, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    client.force_login(users.community)
    url = reverse("admin:projects_photo_add")
    data = {"project": project.pk, "kind": "during", "caption": "施工中"}
    page = client.post(url, {**data, "upload": _upload(b"not an image", name="a.jpg")}).content.decode()
    assert "文件不是有效的图片" in page and not Photo.objects.exists()
    response = client.post(url, {**data, "upload": _upload(_image_bytes(), name="a.jpg")})
    assert response.status_code == 302
    assert Photo.objects.get().caption == "施工中"


@pytest.mark.django_db
def test_finding_photos_belong_to_a_finding_of_the_same_project(territory, users, settings, tmp_path):
    from django.core.exceptions import PermissionDenied

    from projects.models import SupervisionFinding
    from projects.services import finding_save

    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    other = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    finding = finding_save(
        finding=SupervisionFinding(project=other, source="staff", description="x"), actor=users.street
    )
    with pytest.raises(ValidationError) as info:
        photo_upload(
            project=project,
            kind="finding",
            finding=finding,
            upload=_upload(_image_bytes()),
            actor=users.street,
        )
    assert info.value.message_dict == {"finding": ["该监督问题不属于本项目。"]}
    with pytest.raises(ValidationError):
        photo_upload(project=project, kind="finding", upload=_upload(_image_bytes()), actor=users.street)
    with pytest.raises(PermissionDenied):
        photo_upload(project=project, kind="after", upload=_upload(_image_bytes()), actor=users.official)
    assert not Photo.objects.exists()
    assert not any(tmp_path.rglob("*.jpg"))  # a refused upload leaves no file behind


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_exif_location_is_stripped_from_png_and_webp_too(fmt):
    out = io.BytesIO()
    extra = {}
    if fmt == "PNG":
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "家住3栋2单元")
        extra["pnginfo"] = text
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, fmt, exif=_gps_exif(), **extra)
    original = out.getvalue()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the input does carry GPS
    prepared = prepare_photo(_upload(original, name=f"x.{fmt.lower()}"))
    data = prepared.image.read()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == fmt
    assert dict(stored.getexif()) == {} and "exif" not in stored.info
    assert b"TestCam" not in data and "家住".encode() not in data and b"Comment" not in data
    assert (stored.width, stored.height) == (20, 40)  # orientation applied
