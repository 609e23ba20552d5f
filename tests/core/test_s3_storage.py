"""Private files on an S3-compatible store (moto on loopback): encrypted before upload, streamed on download."""

import io
import os
import tracemalloc

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.urls import reverse

from ruanzhu.core.crypto import FILE_CHUNK_SIZE, FILE_HEADER_SIZE, FILE_MAGIC, DecryptionError, encrypt_bytes
from ruanzhu.core.files import delete_private_file, open_private_file, read_private_file, store_private_file
from tests.core.test_crypto import NEW_KEY, OLD_KEY
from tests.filings.flow import post_step, start, upload
from tests.s3server import free_port

CONTENT = b"%PDF-1.7 program deposit 110105199003070017\n" * 4000  # three chunks and a bit
MB = 1024 * 1024


@pytest.fixture(params=["s3", "disk"])
def any_storage(request):
    """Each test runs against the S3 bucket and against a folder on disk."""
    fixture = "s3_storage" if request.param == "s3" else "private_storage"
    return request.getfixturevalue(fixture)


def raw_object(bucket, name: str) -> bytes:
    return bucket.client.get_object(Bucket=bucket.name, Key=name)["Body"].read()


def put_raw_object(bucket, name: str, data: bytes) -> None:
    bucket.client.put_object(Bucket=bucket.name, Key=name, Body=data)


def test_file_round_trips_and_is_deleted(any_storage):
    name = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    assert read_private_file(name) == CONTENT
    assert default_storage.exists(name)
    delete_private_file(name)
    assert not default_storage.exists(name)
    delete_private_file(name)  # already gone: not an error


def test_stored_object_is_ciphertext_in_the_chunked_format(s3_storage):
    name = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    stored = raw_object(s3_storage, name)
    assert stored.startswith(FILE_MAGIC)
    assert b"110105199003070017" not in stored and b"%PDF" not in stored
    head = s3_storage.client.head_object(Bucket=s3_storage.name, Key=name)
    assert head["ContentType"] == "application/octet-stream"  # not the type of the plaintext


def test_stored_object_is_private(s3_storage):
    name = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.name, Key=name)["Grants"]
    assert not [grant for grant in grants if "URI" in grant["Grantee"]]  # no AllUsers / AuthenticatedUsers


def test_file_is_streamed_to_the_store_from_a_binary_stream(s3_storage):
    name = store_private_file(content=io.BytesIO(CONTENT), folder="deposits", suffix=".pdf")
    assert read_private_file(name) == CONTENT


def test_names_are_never_reused(s3_storage):
    first = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    second = store_private_file(content=b"other", folder="deposits", suffix=".pdf")
    assert first != second and read_private_file(first) == CONTENT


def test_tampered_object_is_refused(s3_storage):
    name = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    stored = bytearray(raw_object(s3_storage, name))
    stored[FILE_HEADER_SIZE + FILE_CHUNK_SIZE + 7] ^= 0x01
    put_raw_object(s3_storage, name, bytes(stored))
    with pytest.raises(DecryptionError):
        read_private_file(name)


def test_truncated_object_is_refused(s3_storage):
    name = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    stored = raw_object(s3_storage, name)
    put_raw_object(s3_storage, name, stored[: FILE_HEADER_SIZE + 2 * (FILE_CHUNK_SIZE + 16)])
    with pytest.raises(DecryptionError):
        read_private_file(name)


def test_object_with_reordered_chunks_is_refused(s3_storage):
    name = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    stored = raw_object(s3_storage, name)
    step = FILE_CHUNK_SIZE + 16
    first = stored[FILE_HEADER_SIZE : FILE_HEADER_SIZE + step]
    second = stored[FILE_HEADER_SIZE + step : FILE_HEADER_SIZE + 2 * step]
    put_raw_object(
        s3_storage, name, stored[:FILE_HEADER_SIZE] + second + first + stored[FILE_HEADER_SIZE + 2 * step :]
    )
    with pytest.raises(DecryptionError):
        read_private_file(name)


def test_object_in_the_former_single_token_format_still_reads(s3_storage):
    name = default_storage.save("identity/legacy.jpg", ContentFile(encrypt_bytes(CONTENT)))
    assert read_private_file(name) == CONTENT


def test_object_under_an_old_key_reads_after_rotation(s3_storage, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    name = store_private_file(content=CONTENT, folder="deposits", suffix=".pdf")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert read_private_file(name) == CONTENT
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError):
        read_private_file(name)


def test_missing_object_is_not_found(s3_storage):
    with pytest.raises(FileNotFoundError):
        open_private_file("deposits/none.pdf")


def _chunks(total: int):
    block = os.urandom(FILE_CHUNK_SIZE)
    for _ in range(total // FILE_CHUNK_SIZE):
        yield block


class _Generated(io.RawIOBase):
    """A 20 MB binary stream made on the fly, so that the test itself holds no copy of it."""

    def __init__(self, total: int):
        super().__init__()
        self._blocks = _chunks(total)
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._rest:
            self._rest = next(self._blocks, b"")
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


def test_streaming_a_20_mb_file_keeps_memory_bounded(any_storage):
    name = store_private_file(
        content=io.BufferedReader(_Generated(20 * MB)), folder="deposits", suffix=".pdf"
    )
    tracemalloc.start()
    try:
        reader = open_private_file(name)
        total = sum(len(piece) for piece in reader)
        reader.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 20 * MB
    assert peak < 3 * MB, f"peak {peak / MB:.1f} MB"


def test_readyz_reports_the_storage_failed_when_the_store_is_unreachable(client, db, settings, s3_server):
    unreachable = s3_server.storage_options("gone")
    unreachable["OPTIONS"]["endpoint_url"] = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {**settings.STORAGES, "default": unreachable}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "failed"


def test_readyz_reports_the_storage_ok_when_the_bucket_answers(client, db, s3_storage):
    response = client.get("/readyz")
    assert response.json()["checks"]["storage"] == "ok"


# --- Through the views: an upload and its download go through the bucket -------------------------------------
@pytest.fixture
def alice_on_s3(client, verified_alice, s3_storage):
    client.force_login(verified_alice)
    return client


def test_deposit_uploaded_through_the_wizard_is_stored_encrypted_and_downloaded_as_a_stream(
    alice_on_s3, s3_storage, deposits
):
    filing = start(alice_on_s3)
    post_step(alice_on_s3, filing, "software")
    post_step(alice_on_s3, filing, "development")
    upload(alice_on_s3, filing, "program_deposit", deposits["program"], "program.pdf")
    document = filing.documents.get(kind="program_deposit")
    stored = raw_object(s3_storage, document.storage_name)
    assert stored.startswith(FILE_MAGIC) and deposits["program"][:200] not in stored

    download = alice_on_s3.get(reverse("filings:document", args=[filing.pk, "program_deposit"]))
    assert download.status_code == 200
    assert isinstance(download, StreamingHttpResponse)
    assert download["Content-Length"] == str(len(deposits["program"]))
    assert b"".join(download.streaming_content) == deposits["program"]
    assert download["Cache-Control"] == "private, no-store"


def test_another_applicant_cannot_download_a_document_from_the_bucket(
    alice_on_s3, client, verified_carol, deposits
):
    filing = start(alice_on_s3)
    post_step(alice_on_s3, filing, "software")
    post_step(alice_on_s3, filing, "development")
    upload(alice_on_s3, filing, "program_deposit", deposits["program"], "program.pdf")
    client.force_login(verified_carol)
    assert client.get(reverse("filings:document", args=[filing.pk, "program_deposit"])).status_code == 404
