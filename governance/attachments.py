"""Checking uploaded attachments of governance records (disclosures: 三公开), before they are
stored. `governance` sits below `projects`, so it cannot use projects.photos; this follows the
same rules for what it accepts:

- at most MAX_BYTES, not empty;
- a PDF, JPEG or PNG by its *content* (the first bytes), with a matching extension;
- an image is opened by Pillow with the same pixel limit as the photos (a decompression bomb is
  refused from its header), decoded completely, and stored re-encoded from its pixels: no EXIF,
  no GPS location, no text chunks (governance.images, shared with the photos);
- the stored name is generated (a uuid); the uploader's name is kept only as a label, cut to
  NAME_MAX characters.

`prepare_attachment(upload)` returns (ContentFile, label, kind) or raises
ValidationError({"file": …}) naming what is wrong."""

import os
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from governance import images

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
NAME_MAX = 100
KINDS = {  # extension: (kind, leading bytes)
    ".pdf": ("pdf", b"%PDF-"),
    ".jpg": ("jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("jpeg", b"\xff\xd8\xff"),
    ".png": ("png", b"\x89PNG\r\n\x1a\n"),
}


def _refuse(message):
    raise ValidationError({"file": [message]})


def _reencoded_image(upload, kind):
    pil_format = {"jpeg": "JPEG", "png": "PNG"}[kind]
    refusals = images.Refusals(
        wrong_format=_("附件内容与其扩展名不符。"),
        too_many_pixels=_("图片像素过多（%(w)d×%(h)d），上限为 %(limit)d 万像素。"),
        bomb=_("图片像素过多，疑似恶意构造的文件，已拒收。"),
        not_an_image=_("附件不是有效的图片。"),
    )
    _source, upright = images.decode_upright(upload, accepted={pil_format}, max_pixels=MAX_PIXELS, refusals=refusals, refuse=_refuse)
    return images.encode(images.pixels_only(upright), pil_format)


def prepare_attachment(upload):
    """Check an uploaded file and return (ContentFile to store, label, kind). See the module
    docstring for what is refused."""
    name = os.path.basename(getattr(upload, "name", "") or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in KINDS:
        _refuse(_("附件只接受 PDF、JPEG、PNG 格式（扩展名 .pdf .jpg .jpeg .png）。"))
    size = upload.size
    if size == 0:
        _refuse(_("附件文件是空的。"))
    if size > MAX_BYTES:
        _refuse(_("附件过大（%(size).1f MB），上限为 %(limit)d MB。") % {"size": size / 1024 / 1024, "limit": MAX_BYTES // 1024 // 1024})
    kind, magic = KINDS[extension]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        _refuse(_("附件内容与其扩展名（%(ext)s）不符。") % {"ext": extension})
    if kind == "pdf":
        data = upload.read()
        if b"%%EOF" not in data[-2048:]:
            _refuse(_("PDF 文件不完整（缺少文件结尾）。"))
    else:
        data = _reencoded_image(upload, kind)
    stored_extension = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[kind]
    label = name[:NAME_MAX]
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{stored_extension}"), label, kind
