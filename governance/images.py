"""Decoding an uploaded image and re-encoding it from its pixels only (Pillow): the one
implementation behind governance.photos (photos of every app) and governance.attachments (images
attached to disclosures).

`decode_upright` opens the upload, checks its format and its pixel count from the header before
anything is decoded (a decompression bomb is refused cheaply; Pillow's own DecompressionBombWarning
and DecompressionBombError become the same refusal), decodes it completely (a truncated or
corrupt file is refused) and applies the EXIF orientation. `pixels_only` copies the pixels into a
fresh image, so that nothing of the original's metadata (EXIF, GPS location, XMP, text chunks) is
carried over; `encode` writes it in a format."""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError


@dataclass(frozen=True)
class Refusals:
    """The caller's words for what is refused. `wrong_format` may name the format found as
    %(kind)s; `too_many_pixels` names %(w)d, %(h)d and %(limit)d (ten thousands of pixels)."""

    wrong_format: str
    too_many_pixels: str
    bomb: str
    not_an_image: str


def decode_upright(upload, *, accepted, max_pixels, refusals, refuse):
    """The upload decoded, as (source, upright): the image as read (with its metadata, for the
    caller to read what it needs) and the same turned by its EXIF orientation. `accepted` holds
    the Pillow formats taken; `refuse(message)` raises the caller's ValidationError."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            source = Image.open(upload)
            if source.format not in accepted:
                refuse(refusals.wrong_format % {"kind": source.format or _("未知")})
            width, height = source.size
            if width * height > max_pixels:
                refuse(refusals.too_many_pixels % {"w": width, "h": height, "limit": max_pixels // 10000})
            source.load()
            upright = ImageOps.exif_transpose(source)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            refuse(refusals.bomb)
        except UnidentifiedImageError:
            refuse(refusals.not_an_image)
        except (OSError, SyntaxError, ValueError):
            refuse(_("图片文件已损坏或不完整，无法读取。"))
    return source, upright


def pixels_only(image):
    """A fresh image from the pixels only (and a palette image's palette and transparency)."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    if image.mode == "P" and image.getpalette():
        clean.putpalette(image.getpalette())
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    return clean


def encode(image, pil_format):
    """The image written as JPEG (converted to RGB when it has another mode), WebP or PNG."""
    out = io.BytesIO()
    if pil_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif pil_format == "WEBP":
        image.save(out, "WEBP", quality=88)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()
