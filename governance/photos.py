"""Checking and preparing uploaded photos (Pillow), for every app that takes photos (projects,
surveys, residents' reports). The decoding and re-encoding are governance.images, shared with the
disclosures' attachments.

`prepare_photo(upload)` guarantees, or raises ValidationError({"image": …}) with a Chinese message:
- the file is at most MAX_BYTES;
- it really is an image whose *content* (Image.format, not the file name) is JPEG, PNG or WebP;
- it has at most MAX_PIXELS pixels, read from the header before anything is decoded, so a
  decompression bomb (a small file declaring huge dimensions) is refused cheaply; Pillow's own
  DecompressionBombWarning/Error are turned into the same refusal;
- it decodes completely (a truncated or corrupt file is refused);
- the stored image is re-encoded from the pixels with the EXIF orientation applied and *no*
  metadata at all (EXIF, GPS location, XMP, text chunks), in the same format;
- a JPEG thumbnail at most THUMBNAIL_SIZE on its longer side;
- generated file names (a uuid), never the uploader's.
The EXIF capture time, when present, is returned (it is not personal data) before being dropped.
"""

import datetime
import io
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from governance import images

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB
MAX_PIXELS = 40_000_000  # 40 megapixels: above any phone camera, far below a bomb
THUMBNAIL_SIZE = (480, 480)
FORMATS = {"JPEG": ("jpg", "JPEG"), "PNG": ("png", "PNG"), "WEBP": ("webp", "WEBP")}
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867


@dataclass(frozen=True)
class PreparedPhoto:
    uid: uuid.UUID
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    taken_at: datetime.datetime | None


def _refuse(message):
    raise ValidationError({"image": [message]})


def _taken_at(image):
    try:
        raw = image.getexif().get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
        if not raw:
            return None
        naive = datetime.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (ValueError, TypeError, KeyError, OSError):
        return None
    return timezone.make_aware(naive)


def _thumbnail(image):
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode in ("RGBA", "LA", "P"):
        thumb = thumb.convert("RGBA")
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def prepare_photo(upload):
    """Check an uploaded file (a Django UploadedFile or any binary file object with .size or
    seekable) and return a PreparedPhoto ready to store. See the module docstring."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > MAX_BYTES:
        _refuse(
            _("照片文件过大（%(size).1f MB），上限为 %(limit)d MB。")
            % {"size": size / 1024 / 1024, "limit": MAX_BYTES // 1024 // 1024}
        )
    if size == 0:
        _refuse(_("照片文件是空的。"))
    upload.seek(0)
    refusals = images.Refusals(
        wrong_format=_("只接受 JPEG、PNG、WebP 格式的照片（该文件实际为 %(kind)s 格式）。"),
        too_many_pixels=_("照片像素过多（%(w)d×%(h)d），上限为 %(limit)d 万像素。"),
        bomb=_("照片像素过多，疑似恶意构造的文件，已拒收。"),
        not_an_image=_("文件不是有效的图片（请上传 JPEG、PNG 或 WebP 格式的照片）。"),
    )
    source, upright = images.decode_upright(upload, accepted=FORMATS, max_pixels=MAX_PIXELS, refusals=refusals, refuse=_refuse)
    taken_at = _taken_at(source)
    clean = images.pixels_only(upright)
    kind = source.format
    extension, pil_format = FORMATS[kind]
    uid = uuid.uuid4()
    return PreparedPhoto(
        uid=uid,
        image=ContentFile(images.encode(clean, pil_format), name=f"{uid.hex}.{extension}"),
        thumbnail=ContentFile(_thumbnail(clean), name=f"{uid.hex}-thumb.jpg"),
        width=clean.width,
        height=clean.height,
        taken_at=taken_at,
    )
