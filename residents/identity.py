"""Owner identity: validation of mainland ID numbers (GB 11643-1999) and their keyed hash.

An ID number is never stored. Its HMAC-SHA256 under settings.IDENTITY_HASH_KEY is, so one owner
of several flats is recognisable (same hash) without the number being readable.
"""
import datetime
import hashlib
import hmac

from django.conf import settings

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalise_id_number(raw):
    return (raw or "").strip().upper().replace(" ", "")


def id_number_problem(raw):
    """None when `raw` is a valid 18-character ID number, else a plain message saying what is wrong."""
    value = normalise_id_number(raw)
    if len(value) != 18:
        return "身份证号应为18位"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "身份证号只能由数字和末位X组成"
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    expected = _CHECK[sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS)) % 11]
    if value[17] != expected:
        return "身份证号校验位错误"
    return None


def id_number_hash(raw):
    """The keyed hash stored in place of an ID number (64 hex characters)."""
    key = settings.IDENTITY_HASH_KEY.encode()
    return hmac.new(key, b"id:" + normalise_id_number(raw).encode(), hashlib.sha256).hexdigest()
