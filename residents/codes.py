"""Household access codes.

A code reads `KKKKK-SSSS-SSSS`: five characters that locate the household (stored in clear,
unique across all households, so attempts can be counted per household) and eight secret ones.

The alphabet is Crockford's base 32: the digits and the capital letters without I, L, O and U,
so 32 symbols and exactly 40 bits of secret. A code is printed with 0 and 1 only; what a resident
types is read forgivingly: lower case, spaces, dashes and full-width characters are accepted, and
the look-alikes O→0, I→1, L→1 are mapped back before checking.

Only the keyed hash of the whole (normalised) code is stored: a lost code cannot be shown again,
only regenerated, which stops the old one working.
"""
import hashlib
import hmac
import secrets
import unicodedata

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY_LENGTH = 5
SECRET_LENGTH = 8
CODE_LENGTH = KEY_LENGTH + SECRET_LENGTH
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Anything longer than this cannot be a code, however it is spaced: no need to read it all.
_MAX_TYPED_LENGTH = 64


def _random(n):
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def format_code(normalised):
    """`KKKKKSSSSSSSS` → `KKKKK-SSSS-SSSS`, the printed form."""
    secret = normalised[KEY_LENGTH:]
    return f"{normalised[:KEY_LENGTH]}-{secret[:4]}-{secret[4:]}"


def new_code():
    """A fresh code as (locator, code_text), drawn with the `secrets` module."""
    locator = _random(KEY_LENGTH)
    return locator, format_code(locator + _random(SECRET_LENGTH))


def normalise_code(raw):
    """What a resident typed, in canonical form: full-width folded (NFKC), upper case, everything
    but letters and digits dropped, look-alikes mapped (O→0, I/L→1). Not validated."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum()).translate(_LOOK_ALIKES)


def split_code(raw):
    """(locator, normalised) or (None, None) when `raw` cannot be a code."""
    if not raw or len(raw) > _MAX_TYPED_LENGTH:
        return None, None
    text = normalise_code(raw)
    if len(text) != CODE_LENGTH or any(ch not in ALPHABET for ch in text):
        return None, None
    return text[:KEY_LENGTH], text


def code_hash(raw):
    """The keyed hash (HMAC-SHA256 under settings.IDENTITY_HASH_KEY, 64 hex characters) stored in
    place of a code. Computed on the normalised code, so every accepted spelling hashes alike."""
    key = settings.IDENTITY_HASH_KEY.encode()
    return hmac.new(key, b"code:" + normalise_code(raw).encode(), hashlib.sha256).hexdigest()


def code_matches(raw, stored_hash):
    """True when `raw` is the code whose hash is `stored_hash` (compared in constant time)."""
    return bool(stored_hash) and hmac.compare_digest(code_hash(raw), stored_hash)
