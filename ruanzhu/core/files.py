"""Private files (ID images, deposits): encrypted at rest, stored under unguessable names, never on a public URL.

They go to the default storage (``STORAGES["default"]``: PRIVATE_MEDIA_ROOT, or a private bucket), which no URL
maps to; a view that has checked the user's right to a file reads it here and answers with
``private_file_response``.
"""

import re
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from ruanzhu.core.crypto import decrypt_bytes, encrypt_bytes

_FOLDER = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*$")
_SUFFIX = re.compile(r"^(\.[a-z0-9]{1,10})?$")


def store_private_file(*, content: bytes, folder: str, suffix: str) -> str:
    """Encrypt ``content``, store it in ``folder`` under a random name ending in ``suffix`` and return its name."""
    # Folder and suffix come from code, never from the uploader; refusing anything else keeps names predictable
    # for operators and free of path tricks.
    if not _FOLDER.match(folder):
        raise ValueError(f"invalid private file folder: {folder!r}")
    if not _SUFFIX.match(suffix):
        raise ValueError(f"invalid private file suffix: {suffix!r}")
    name = f"{folder}/{secrets.token_urlsafe(24)}{suffix}"
    return default_storage.save(name, ContentFile(encrypt_bytes(content)))


def read_private_file(name: str) -> bytes:
    """Return the decrypted content of the private file ``name``."""
    with default_storage.open(name, "rb") as stored:
        return decrypt_bytes(stored.read())


def delete_private_file(name: str) -> None:
    """Delete the private file ``name``; a file already gone is not an error."""
    default_storage.delete(name)


def private_file_response(
    *, content: bytes, filename: str, content_type: str, as_attachment: bool = True
) -> HttpResponse:
    """Return ``content`` as a response that browsers and proxies neither sniff nor keep."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
