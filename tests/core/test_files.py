import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse

from ruanzhu.core.crypto import FILE_CHUNK_SIZE, FILE_MAGIC, DecryptionError, encrypt_bytes
from ruanzhu.core.files import (
    delete_private_file,
    open_private_file,
    private_file_response,
    read_private_file,
    store_private_file,
)

JPEG = b"\xff\xd8\xff\xe0" + b"identity card front " * 100


def test_stored_bytes_on_disk_are_not_the_plaintext(private_storage):
    name = store_private_file(content=JPEG, folder="identity/front", suffix=".jpg")
    on_disk = (private_storage / name).read_bytes()
    assert on_disk != JPEG
    assert b"identity card front" not in on_disk


def test_stored_file_reads_back_decrypted(private_storage):
    name = store_private_file(content=JPEG, folder="identity", suffix=".jpg")
    assert read_private_file(name) == JPEG


def test_file_gets_a_random_name_in_its_folder_with_its_suffix(private_storage):
    first = store_private_file(content=JPEG, folder="identity", suffix=".jpg")
    second = store_private_file(content=JPEG, folder="identity", suffix=".jpg")
    assert first != second
    assert first.startswith("identity/")
    assert first.endswith(".jpg")
    assert len(first.removeprefix("identity/").removesuffix(".jpg")) >= 32


def test_file_is_stored_under_the_private_root(private_storage):
    name = store_private_file(content=JPEG, folder="identity", suffix="")
    assert (private_storage / name).is_file()


def test_deleted_file_is_gone(private_storage):
    name = store_private_file(content=JPEG, folder="identity", suffix=".jpg")
    delete_private_file(name)
    assert not (private_storage / name).exists()


def test_file_altered_on_disk_fails_to_read(private_storage):
    name = store_private_file(content=JPEG, folder="identity", suffix=".jpg")
    (private_storage / name).write_bytes(b"replaced")
    with pytest.raises(DecryptionError):
        read_private_file(name)


@pytest.mark.parametrize("folder", ["../etc", "/abs", "identity/../..", "", "身份"])
def test_unsafe_folder_is_refused(private_storage, folder):
    with pytest.raises(ValueError, match="folder"):
        store_private_file(content=JPEG, folder=folder, suffix=".jpg")
    assert not private_storage.exists() or not any(private_storage.rglob("*.jpg"))


@pytest.mark.parametrize("suffix", ["jpg", ".jpg/../x", ".html.", ".verylongsuffix"])
def test_unsafe_suffix_is_refused(private_storage, suffix):
    with pytest.raises(ValueError, match="suffix"):
        store_private_file(content=JPEG, folder="identity", suffix=suffix)


def test_response_carries_content_and_protective_headers():
    response = private_file_response(content=JPEG, filename="front.jpg", content_type="image/jpeg")
    assert response.content == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="front.jpg"'


def test_response_encodes_a_chinese_filename_per_rfc_6266():
    response = private_file_response(content=b"%PDF-", filename="授权书.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E6%8E%88%E6%9D%83%E4%B9%A6.pdf"


def test_response_can_be_shown_inline():
    response = private_file_response(
        content=JPEG, filename="front.jpg", content_type="image/jpeg", as_attachment=False
    )
    assert response["Content-Disposition"] == 'inline; filename="front.jpg"'


def test_quotes_in_filename_cannot_break_the_header():
    response = private_file_response(content=JPEG, filename='a".jpg', content_type="image/jpeg")
    assert response["Content-Disposition"] == 'attachment; filename="a\\".jpg"'


def test_file_is_stored_in_the_chunked_format(private_storage):
    name = store_private_file(content=JPEG, folder="identity", suffix=".jpg")
    assert (private_storage / name).read_bytes().startswith(FILE_MAGIC)


def test_file_is_stored_from_a_binary_stream(private_storage):
    content = b"%PDF-1.7 deposit page\n" * 10_000
    name = store_private_file(content=io.BytesIO(content), folder="deposits", suffix=".pdf")
    assert read_private_file(name) == content


def test_opened_file_streams_its_plaintext_chunk_by_chunk_and_knows_its_size(private_storage):
    content = b"x" * (2 * FILE_CHUNK_SIZE + 10)
    name = store_private_file(content=content, folder="deposits", suffix=".pdf")
    reader = open_private_file(name)
    try:
        assert reader.size == len(content)
        assert [len(piece) for piece in reader] == [FILE_CHUNK_SIZE, FILE_CHUNK_SIZE, 10]
    finally:
        reader.close()


def test_file_stored_in_the_former_single_token_format_still_reads(private_storage):
    name = default_storage.save("identity/legacy.jpg", ContentFile(encrypt_bytes(JPEG)))
    assert read_private_file(name) == JPEG


def test_missing_file_is_not_found(private_storage):
    with pytest.raises(FileNotFoundError):
        open_private_file("identity/none.jpg")


def test_opened_file_is_answered_as_a_stream_with_its_length(private_storage, db):
    name = store_private_file(content=JPEG, folder="identity", suffix=".jpg")
    reader = open_private_file(name)
    response = private_file_response(content=reader, filename="front.jpg", content_type="image/jpeg")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Length"] == str(len(JPEG))
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == JPEG
    response.close()  # as the server does once the response is sent: the stored file is closed with it
    assert reader._source.closed
