"""Field encryption and blind indexes for personal data.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, i.e. authenticated encryption) under the keys of
``FIELD_ENCRYPTION_KEYS``; the first key encrypts, all keys decrypt, so keys can be rotated. A blind index is
an HMAC-SHA256 of the normalised value under ``BLIND_INDEX_KEY`` and a purpose label: it makes uniqueness and
look-up possible without decrypting anything, and the same ID number gives unrelated indexes for different
purposes.

Private files use a chunked format instead, so that they can be written and read in bounded memory:

    header  = b"RZPF" | version (1 byte) | key id (8) | salt (16) | nonce prefix (7)        = 36 bytes
    chunks  = AES-256-GCM(chunk i) for i = 0 .. n-1, each FILE_CHUNK_SIZE bytes of plaintext (the last one
              shorter, possibly empty) followed by its 16-byte tag

The file key is HKDF-SHA256 of the first key of ``FIELD_ENCRYPTION_KEYS`` with the per-file random salt; the key
id (an HKDF output too, which reveals nothing of the key) tells the reader which listed key to use, so any
listed key decrypts. Chunk i is sealed under the nonce ``prefix | i (4 bytes) | last (1 byte)`` with the header
as associated data: a chunk moved, dropped, repeated or cut off, a file truncated at a chunk boundary or extended,
and an altered header all fail authentication. Files written before this format (one Fernet token) are told
apart by their first bytes and still read.
"""

import base64
import hashlib
import hmac
import io
import os
import struct
from collections.abc import Iterator
from functools import cache
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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


# --- Private files: chunked authenticated encryption ------------------------------------------------------------
FILE_MAGIC = b"RZPF"
FILE_VERSION = 1
FILE_CHUNK_SIZE = 64 * 1024
_TAG_SIZE = 16
_KEY_ID_SIZE = 8
_SALT_SIZE = 16
_PREFIX_SIZE = 7
FILE_HEADER_SIZE = len(FILE_MAGIC) + 1 + _KEY_ID_SIZE + _SALT_SIZE + _PREFIX_SIZE
_MAX_CHUNKS = 2**32


@cache
def _file_master_keys(keys: tuple[str, ...]) -> tuple[tuple[bytes, bytes], ...]:
    """Return (key id, key material) for each configured key, in the configured order."""
    _fernet(keys)  # validates the keys, with the same error as field encryption
    derived = []
    for key in keys:
        material = base64.urlsafe_b64decode(key.encode("ascii"))
        key_id = HKDF(
            algorithm=hashes.SHA256(), length=_KEY_ID_SIZE, salt=None, info=b"ruanzhu private file key id"
        ).derive(material)
        derived.append((key_id, material))
    return tuple(derived)


def _file_aead(material: bytes, salt: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"ruanzhu private file v1").derive(
        material
    )
    return AESGCM(key)


def _nonce(prefix: bytes, index: int, *, last: bool) -> bytes:
    if index >= _MAX_CHUNKS:
        raise ValueError("private file too large for the chunked format")
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    """Read ``size`` bytes from ``source`` or fewer at its end, whatever the sizes of the underlying reads."""
    parts = []
    remaining = size
    while remaining > 0:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


class EncryptingReader(io.RawIOBase):
    """A read-only stream of the encrypted form of ``source`` (a binary file or bytes), produced as it is read.

    It holds one chunk of plaintext ahead (to know which chunk is the last) and one chunk of ciphertext, whatever
    the size of the source.
    """

    def __init__(self, source: IO[bytes] | bytes):
        super().__init__()
        self._source = io.BytesIO(source) if isinstance(source, bytes | bytearray | memoryview) else source
        key_id, material = _file_master_keys(tuple(settings.FIELD_ENCRYPTION_KEYS))[0]
        salt = os.urandom(_SALT_SIZE)
        self._prefix = os.urandom(_PREFIX_SIZE)
        self._header = FILE_MAGIC + bytes([FILE_VERSION]) + key_id + salt + self._prefix
        self._aead = _file_aead(material, salt)
        self._index = 0
        self._pending = self._header
        self._ahead: bytes | None = _read_exactly(self._source, FILE_CHUNK_SIZE)

    def readable(self) -> bool:
        return True

    def _seal_next(self) -> bytes:
        """Return the next sealed chunk, or b"" once the last one was returned."""
        if self._ahead is None:
            return b""
        chunk = self._ahead
        following = _read_exactly(self._source, FILE_CHUNK_SIZE) if len(chunk) == FILE_CHUNK_SIZE else b""
        last = not following
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last=last), chunk, self._header)
        self._index += 1
        self._ahead = None if last else following
        return sealed

    def readinto(self, buffer) -> int:
        if not self._pending:
            self._pending = self._seal_next()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def encrypt_file(source: IO[bytes] | bytes) -> io.BufferedReader:
    """Return a stream of the chunked ciphertext of ``source``, under the newest key.

    Its reads return as many bytes as asked for until the end, as uploaders of object stores expect.
    """
    return io.BufferedReader(EncryptingReader(source), buffer_size=FILE_CHUNK_SIZE + _TAG_SIZE)


def encrypted_file_size(plaintext_size: int) -> int:
    """Return the size of the chunked ciphertext of a plaintext of ``plaintext_size`` bytes."""
    chunks = max(1, -(-plaintext_size // FILE_CHUNK_SIZE))
    return FILE_HEADER_SIZE + plaintext_size + chunks * _TAG_SIZE


def _plaintext_size(stored_size: int) -> int:
    body = stored_size - FILE_HEADER_SIZE
    chunks = -(-body // (FILE_CHUNK_SIZE + _TAG_SIZE))
    return body - chunks * _TAG_SIZE


class DecryptingReader:
    """The plaintext of a stored private file, as an iterator of chunks; ``size`` is its length in bytes.

    A chunked file is checked one chunk at a time as it is read (DecryptionError at the first one that fails);
    a file in the former single-token format is decrypted whole when the reader is made.
    """

    def __init__(self, source: IO[bytes], *, stored_size: int | None = None):
        self._source = source
        start = _read_exactly(source, FILE_HEADER_SIZE)
        if not start.startswith(FILE_MAGIC):
            self._legacy: bytes | None = decrypt_bytes(start + source.read())
            self.size: int | None = len(self._legacy)
            return
        self._legacy = None
        if len(start) < FILE_HEADER_SIZE or start[len(FILE_MAGIC)] != FILE_VERSION:
            raise DecryptionError("private file header is truncated or of an unknown version")
        key_id_at = len(FILE_MAGIC) + 1
        salt_at = key_id_at + _KEY_ID_SIZE
        key_id = start[key_id_at:salt_at]
        salt = start[salt_at : salt_at + _SALT_SIZE]
        self._prefix = start[-_PREFIX_SIZE:]
        self._header = start
        material = next(
            (
                material
                for known, material in _file_master_keys(tuple(settings.FIELD_ENCRYPTION_KEYS))
                if known == key_id
            ),
            None,
        )
        if material is None:
            raise DecryptionError("private file was encrypted under a key that is not configured")
        self._aead = _file_aead(material, salt)
        self.size = _plaintext_size(stored_size) if stored_size is not None else None

    def __iter__(self) -> Iterator[bytes]:
        if self._legacy is not None:
            yield self._legacy
            return
        index = 0
        sealed = _read_exactly(self._source, FILE_CHUNK_SIZE + _TAG_SIZE)
        while True:
            following = (
                _read_exactly(self._source, FILE_CHUNK_SIZE + _TAG_SIZE)
                if len(sealed) == FILE_CHUNK_SIZE + _TAG_SIZE
                else b""
            )
            last = not following
            try:
                chunk = self._aead.decrypt(_nonce(self._prefix, index, last=last), sealed, self._header)
            except InvalidTag as exc:
                raise DecryptionError(f"private file chunk {index} does not verify") from exc
            yield chunk
            if last:
                return
            index += 1
            sealed = following

    def close(self) -> None:
        """Close the underlying stored file."""
        self._source.close()


def decrypt_file(source: IO[bytes], *, stored_size: int | None = None) -> DecryptingReader:
    """Return the plaintext chunks of a stored private file read from ``source`` (either format)."""
    return DecryptingReader(source, stored_size=stored_size)
