"""Owner identity: validation of mainland ID numbers (GB 11643-1999) and their keyed hash.

An ID number is never stored. Its HMAC-SHA256 under settings.IDENTITY_HASH_KEY is, so one owner
of several flats is recognisable (same hash) without the number being readable.

Both functions first normalise what was typed: full-width digits and letters folded (NFKC, as
Chinese input methods often produce them), all white space dropped, a trailing x upper-cased.
"""
import datetime
import hashlib
import hmac
import operator
import re
import unicodedata

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: str.isdigit() would also accept "²" or "٣", which int() then rejects.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_EARLIEST_BIRTH_YEAR = 1900


def normalise_id_number(raw):
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


def id_number_check_digit(first17):
    """The check character (0-9 or X) of the 17 digits `first17` (ISO 7064 MOD 11-2)."""
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]  # C loops: a hot path of the import


_RECENT_YEAR = timezone.now().year - 1  # any later birth year takes the exact check


def id_number_problem(raw):
    """None when `raw` is a valid 18-character ID number, else a plain message saying what is wrong:
    its length, its characters, its date of birth (a real date, not before 1900, not in the future)
    or its check character."""
    value = normalise_id_number(raw)
    if len(value) != 18:
        return _("身份证号应为18位，实际为%(n)d位") % {"n": len(value)}
    if not _SHAPE.fullmatch(value):
        return _("身份证号只能由数字和末位X组成")
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("身份证号中的出生日期无效")
    # Only a birth year near today can lie in the future: skip the clock for the rest (hot path).
    if born.year < _EARLIEST_BIRTH_YEAR or (born.year >= _RECENT_YEAR and born > timezone.localdate()):
        return _("身份证号中的出生日期无效")
    if value[17] != id_number_check_digit(value[:17]):
        return _("身份证号校验位错误")
    return None


_BLOCK = 64  # SHA-256's block size


def _hmac_pads(key, prefix=b""):
    """HMAC-SHA256 (RFC 2104) prepared for many messages under one key: the inner hash with the
    key's inner pad and `prefix` already fed, and the outer hash with the outer pad fed. Copying
    them skips two of the five compressions of each digest."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + prefix)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def _weighted(digits, start):
    """The check digit's weighted sum of the ASCII `digits` standing at `start` in the number."""
    weights = _WEIGHTS[start : start + len(digits)]
    return sum(map(operator.mul, digits.encode(), weights)) - 48 * sum(weights)  # byte = digit + 48


# The weighted sums of the last three digits before the check character (a sequence number).
_SEQUENCE_SUMS = {f"{n:03d}": _weighted(f"{n:03d}", 14) for n in range(1000)}


class IdNumberChecker:
    """id_number_problem and id_number_hash for many numbers in one go (the census import): the
    same messages and the same hashes, quicker. The key's HMAC pads are hashed once; a number
    already in its stored form skips the normalisation; each date of birth is checked once and
    the check digit is summed from three remembered parts (area code, date of birth, sequence).
    Keep one for one batch of numbers: it remembers the area codes and dates of birth it met.

        checker = IdNumberChecker()
        digest, message = checker("11010519491231002X")   # (hash, None) or (None, message)
    """

    def __init__(self):
        self._inner, self._outer = _hmac_pads(settings.IDENTITY_HASH_KEY.encode(), b"id:")
        self._areas = {}  # first six digits -> their weighted sum
        self._births = {}  # date of birth (YYYYMMDD) found valid, none of a recent year -> weighted sum

    def __call__(self, raw):
        value = raw
        if not _SHAPE.fullmatch(value):
            value = normalise_id_number(raw)
            if not _SHAPE.fullmatch(value):
                return None, id_number_problem(value)
        # 17 ASCII digits and a check character from here.
        birth = value[6:14]
        birth_sum = self._births.get(birth)
        if birth_sum is not None:
            area = value[:6]
            area_sum = self._areas.get(area)
            if area_sum is None:
                area_sum = self._areas[area] = _weighted(area, 0)
            check = _CHECK[(area_sum + birth_sum + _SEQUENCE_SUMS[value[14:17]]) % 11]
        if birth_sum is None or value[17] != check:
            message = id_number_problem(value)
            if message:
                return None, message
            if birth_sum is None and int(birth[:4]) < _RECENT_YEAR:
                self._births[birth] = _weighted(birth, 6)
        inner = self._inner.copy()
        inner.update(value.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest(), None


def id_number_hash(raw):
    """The keyed hash stored in place of an ID number (64 hex characters). Spellings that
    normalise alike (full-width, spaces, lower-case x) hash alike. Does not validate."""
    key = settings.IDENTITY_HASH_KEY.encode()
    # hmac.digest: the one-shot C implementation, the same value as hmac.new(...).hexdigest().
    return hmac.digest(key, b"id:" + normalise_id_number(raw).encode(), hashlib.sha256).hex()
