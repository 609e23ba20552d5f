"""Private files (ID images, deposits): encrypted at rest, stored under unguessable names, never on a public URL.

They go to the default storage (``STORAGES["default"]``: PRIVATE_MEDIA_ROOT, or a private bucket of an
S3-compatible store), which no URL maps to. They are encrypted here, before the storage sees them, in the chunked
format of ``ruanzhu.core.crypto``: the store holds only ciphertext and never a key. Writing and reading stream
chunk by chunk, so memory stays bounded whatever the size of the file: a view that has checked the user's right to
a file answers ``private_file_response(content=open_private_file(name), ...)``, which streams it; code that needs
the whole content (checks of a PDF or an image) calls ``read_private_file``.
"""

import re
import secrets
from contextlib import closing
from typing import IO

from botocore.exceptions import ClientError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from ruanzhu.core.crypto import DecryptingReader, decrypt_file, encrypt_file

_FOLDER = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*$")
_SUFFIX = re.compile(r"^(\.[a-z0-9]{1,10})?$")


def store_private_file(*, content: bytes | IO[bytes], folder: str, suffix: str) -> str:
    """Encrypt ``content`` (bytes or a binary file), store it in ``folder`` under a random name, return the name."""
    # Folder and suffix come from code, never from the uploader; refusing anything else keeps names predictable
    # for operators and free of path tricks.
    if not _FOLDER.match(folder):
        raise ValueError(f"invalid private file folder: {folder!r}")
    if not _SUFFIX.match(suffix):
        raise ValueError(f"invalid private file suffix: {suffix!r}")
    name = f"{folder}/{secrets.token_urlsafe(24)}{suffix}"
    return default_storage.save(name, File(encrypt_file(content), name=name))


def _open_stored(name: str) -> tuple[IO[bytes], int]:
    """Return the stored (encrypted) bytes of ``name`` as a stream, and their size."""
    storage = default_storage
    if isinstance(storage, S3Storage):
        # S3Storage.open downloads the whole object before the first byte; the body of a GetObject streams.
        key = storage._normalize_name(clean_name(name))
        try:
            stored = storage.connection.meta.client.get_object(Bucket=storage.bucket_name, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(f"private file does not exist: {name}") from exc
            raise
        return stored["Body"], stored["ContentLength"]
    stored = storage.open(name, "rb")
    return stored, stored.size


def open_private_file(name: str) -> DecryptingReader:
    """Open the private file ``name`` for reading: iterate over it for its plaintext, chunk by chunk, then close it.

    Its ``size`` is the length of the plaintext. A missing file raises FileNotFoundError and a key that is not
    configured DecryptionError here; an altered chunk raises DecryptionError when it is reached.
    """
    stream, stored_size = _open_stored(name)
    try:
        return decrypt_file(stream, stored_size=stored_size)
    except BaseException:
        stream.close()
        raise


def read_private_file(name: str) -> bytes:
    """Return the whole decrypted content of the private file ``name``."""
    with closing(open_private_file(name)) as reader:
        return b"".join(reader)


def delete_private_file(name: str) -> None:
    """Delete the private file ``name``; a file already gone is not an error."""
    default_storage.delete(name)


def private_file_response(
    *, content: bytes | DecryptingReader, filename: str, content_type: str, as_attachment: bool = True
) -> HttpResponse | StreamingHttpResponse:
    """Answer ``content`` (bytes, or an opened private file to stream) so that browsers and proxies neither sniff
    nor keep it."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
        if content.size is not None:
            response["Content-Length"] = str(content.size)
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
