import base64
import io
import os

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from ruanzhu.core.crypto import (
    FILE_CHUNK_SIZE,
    FILE_HEADER_SIZE,
    FILE_MAGIC,
    FILE_VERSION,
    DecryptionError,
    blind_index,
    decrypt_bytes,
    decrypt_file,
    decrypt_text,
    encrypt_bytes,
    encrypt_file,
    encrypt_text,
    encrypted_file_size,
)

OLD_KEY = Fernet.generate_key().decode("ascii")
NEW_KEY = Fernet.generate_key().decode("ascii")


def test_text_survives_encryption_round_trip():
    assert decrypt_text(encrypt_text("110101199003071234 张三")) == "110101199003071234 张三"


def test_bytes_survive_encryption_round_trip():
    data = bytes(range(256)) * 4
    assert decrypt_bytes(encrypt_bytes(data)) == data


def test_ciphertext_does_not_contain_the_plaintext():
    token = encrypt_text("13812345678")
    assert "13812345678" not in token
    assert b"13812345678" not in base64.urlsafe_b64decode(token)


def test_two_encryptions_of_one_value_differ():
    assert encrypt_text("13812345678") != encrypt_text("13812345678")


def test_tampered_ciphertext_raises_decryption_error():
    raw = bytearray(base64.urlsafe_b64decode(encrypt_text("13812345678")))
    raw[30] ^= 0x01  # a bit of the ciphertext proper, after version, timestamp and IV
    with pytest.raises(DecryptionError):
        decrypt_text(base64.urlsafe_b64encode(bytes(raw)).decode("ascii"))


def test_garbage_raises_decryption_error():
    with pytest.raises(DecryptionError):
        decrypt_text("not a token")


def test_value_encrypted_under_old_key_decrypts_after_rotation(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = encrypt_text("13812345678")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert decrypt_text(token) == "13812345678"


def test_after_rotation_new_values_are_encrypted_under_the_new_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    token = encrypt_text("13812345678")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert decrypt_text(token) == "13812345678"
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with pytest.raises(DecryptionError):
        decrypt_text(token)


def test_value_under_a_retired_key_no_longer_decrypts(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = encrypt_text("13812345678")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError):
        decrypt_text(token)


def test_missing_keys_are_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        encrypt_text("x")


def test_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["too-short"]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        encrypt_text("x")


def test_blind_index_is_stable_for_one_value_and_purpose():
    assert blind_index("+8613812345678", purpose="account-phone") == blind_index(
        "+8613812345678", purpose="account-phone"
    )


def test_blind_index_differs_between_values():
    assert blind_index("+8613812345678", purpose="p") != blind_index("+8613812345679", purpose="p")


def test_blind_index_separates_purposes():
    assert blind_index("110101199003071234", purpose="identity-id-number") != blind_index(
        "110101199003071234", purpose="account-phone"
    )


def test_blind_index_purpose_and_value_cannot_be_shifted_into_each_other():
    assert blind_index("b", purpose="a") != blind_index("", purpose="ab")


def test_blind_index_depends_on_the_key(settings):
    before = blind_index("+8613812345678", purpose="account-phone")
    settings.BLIND_INDEX_KEY = "another-key"
    assert blind_index("+8613812345678", purpose="account-phone") != before


def test_blind_index_does_not_reveal_the_value():
    digest = blind_index("13812345678", purpose="account-phone")
    assert len(digest) == 64
    assert "13812345678" not in digest


# --- Private files: the chunked format ---------------------------------------------------------------------------
def seal(data: bytes) -> bytes:
    return encrypt_file(data).read()


def unseal(blob: bytes) -> bytes:
    return b"".join(decrypt_file(io.BytesIO(blob), stored_size=len(blob)))


def chunks_of(blob: bytes) -> list[bytes]:
    body = blob[FILE_HEADER_SIZE:]
    step = FILE_CHUNK_SIZE + 16
    return [body[start : start + step] for start in range(0, len(body), step)]


@pytest.mark.parametrize(
    "size", [0, 1, FILE_CHUNK_SIZE - 1, FILE_CHUNK_SIZE, FILE_CHUNK_SIZE + 1, 3 * FILE_CHUNK_SIZE + 17]
)
def test_file_of_any_size_survives_the_chunked_format(size):
    data = os.urandom(size)
    blob = seal(data)
    assert len(blob) == encrypted_file_size(size)
    reader = decrypt_file(io.BytesIO(blob), stored_size=len(blob))
    assert reader.size == size
    assert b"".join(reader) == data


def test_file_is_encrypted_from_a_stream_and_read_back_chunk_by_chunk():
    data = b"program source line\n" * 20_000
    blob = encrypt_file(io.BytesIO(data)).read()
    pieces = list(decrypt_file(io.BytesIO(blob)))
    assert len(pieces) == len(data) // FILE_CHUNK_SIZE + 1
    assert max(len(piece) for piece in pieces) == FILE_CHUNK_SIZE
    assert b"".join(pieces) == data


def test_chunked_file_starts_with_its_header_and_hides_the_plaintext():
    blob = seal(b"110105199003070017 " * 100)
    assert blob.startswith(FILE_MAGIC + bytes([FILE_VERSION]))
    assert b"110105199003070017" not in blob


def test_two_encryptions_of_one_file_differ():
    assert seal(b"same content") != seal(b"same content")


def test_altered_chunk_is_refused():
    blob = bytearray(seal(os.urandom(3 * FILE_CHUNK_SIZE)))
    blob[FILE_HEADER_SIZE + FILE_CHUNK_SIZE + 100] ^= 0x01  # inside the second chunk
    reader = iter(decrypt_file(io.BytesIO(bytes(blob))))
    assert len(next(reader)) == FILE_CHUNK_SIZE  # the first chunk is intact and verified alone
    with pytest.raises(DecryptionError):
        next(reader)


def test_altered_header_is_refused():
    blob = bytearray(seal(b"content"))
    blob[FILE_HEADER_SIZE - 1] ^= 0x01  # the nonce prefix
    with pytest.raises(DecryptionError):
        unseal(bytes(blob))


def test_reordered_chunks_are_refused():
    blob = seal(os.urandom(3 * FILE_CHUNK_SIZE + 5))
    first, second, *rest = chunks_of(blob)
    with pytest.raises(DecryptionError):
        unseal(blob[:FILE_HEADER_SIZE] + second + first + b"".join(rest))


def test_file_truncated_at_a_chunk_boundary_is_refused():
    blob = seal(os.urandom(3 * FILE_CHUNK_SIZE + 5))
    with pytest.raises(DecryptionError):
        unseal(blob[:FILE_HEADER_SIZE] + b"".join(chunks_of(blob)[:2]))


def test_file_truncated_inside_a_chunk_is_refused():
    blob = seal(os.urandom(2 * FILE_CHUNK_SIZE))
    with pytest.raises(DecryptionError):
        unseal(blob[:-1])


def test_file_with_a_chunk_appended_is_refused():
    blob = seal(os.urandom(FILE_CHUNK_SIZE + 5))
    with pytest.raises(DecryptionError):
        unseal(blob + chunks_of(blob)[0])


def test_file_cut_inside_its_header_is_refused():
    with pytest.raises(DecryptionError):
        unseal(seal(b"content")[: FILE_HEADER_SIZE - 3])


def test_file_in_the_single_token_format_still_reads():
    token = encrypt_bytes(b"written before the chunked format")
    reader = decrypt_file(io.BytesIO(token))
    assert reader.size == len(b"written before the chunked format")
    assert b"".join(reader) == b"written before the chunked format"


def test_file_under_an_old_key_reads_after_rotation(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    blob = seal(b"mandate letter")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert unseal(blob) == b"mandate letter"


def test_after_rotation_new_files_are_encrypted_under_the_new_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    blob = seal(b"certificate")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert unseal(blob) == b"certificate"
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with pytest.raises(DecryptionError):
        unseal(blob)


def test_file_under_a_retired_key_no_longer_reads(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    blob = seal(b"deposit")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError, match="not configured"):
        decrypt_file(io.BytesIO(blob))
