"""Field encryption and blind indexes for personal data.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, i.e. authenticated encryption) under the keys of
``FIELD_ENCRYPTION_KEYS``; the first key encrypts, all keys decrypt, so keys can be rotated. A blind index is
an HMAC-SHA256 of the normalised value under ``BLIND_INDEX_KEY`` and a purpose label: it makes uniqueness and
look-up possible without decrypting anything, and the same ID number gives unrelated indexes for different
purposes.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold url-safe base64 keys of 32 bytes (Fernet.generate_key())."
        ) from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_bytes(data: bytes) -> bytes:
    """Return the authenticated ciphertext of ``data``."""
    return _current().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Return the plaintext of ``token``; raise DecryptionError if no key opens it or it was altered."""
    try:
        return _current().decrypt(token)
    except InvalidToken as exc:
        raise DecryptionError("ciphertext does not verify under any configured key") from exc


def encrypt_text(value: str) -> str:
    """Return ``value`` encrypted, as ASCII text fit for a text column."""
    return encrypt_bytes(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """Return the plaintext of a value made by encrypt_text."""
    return decrypt_bytes(token.encode("ascii")).decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """Return the keyed hash used to find ``value`` (already normalised) without decrypting."""
    key = settings.BLIND_INDEX_KEY.encode("utf-8")
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
