"""Household access codes.

A code reads `KKKKK-SSSS-SSSS`: five characters that locate the household (stored in clear,
unique, so attempts can be counted per household) and eight secret ones; about 40 bits of secret,
from an alphabet without look-alikes (no 0/O, 1/I/L). Only the keyed hash of the whole code is
stored: a lost code cannot be shown again, only regenerated, which stops the old one working.
"""
import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
KEY_LENGTH = 5
SECRET_LENGTH = 8


def _random(n):
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_code():
    """A fresh code as (locator, code_text)."""
    locator = _random(KEY_LENGTH)
    secret = _random(SECRET_LENGTH)
    return locator, f"{locator}-{secret[:4]}-{secret[4:]}"


def normalise_code(raw):
    """Upper case, separators and spaces removed, look-alikes mapped: what a resident types."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def split_code(raw):
    """(locator, normalised) or (None, None) when `raw` cannot be a code."""
    text = normalise_code(raw)
    if len(text) != KEY_LENGTH + SECRET_LENGTH or any(ch not in ALPHABET for ch in text):
        return None, None
    return text[:KEY_LENGTH], text


def code_hash(raw):
    key = settings.IDENTITY_HASH_KEY.encode()
    return hmac.new(key, b"code:" + normalise_code(raw).encode(), hashlib.sha256).hexdigest()


def code_matches(raw, stored_hash):
    return bool(stored_hash) and hmac.compare_digest(code_hash(raw), stored_hash)
