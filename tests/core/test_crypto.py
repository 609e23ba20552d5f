import base64

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from ruanzhu.core.crypto import (
    DecryptionError,
    blind_index,
    decrypt_bytes,
    decrypt_text,
    encrypt_bytes,
    encrypt_text,
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
