import pytest
from django.db import connection

from ruanzhu.accounts.models import User
from ruanzhu.core.crypto import DecryptionError, decrypt_text

pytestmark = pytest.mark.django_db


def _raw_phone_column(user_id: int) -> str:
    table = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {table} WHERE id = %s", [user_id])  # noqa: S608 (table name from model)
        return cursor.fetchone()[0]


def _make_user(**extra) -> User:
    return User.objects.create_user(username="zhang", email="zhang@example.com", password="x" * 12, **extra)


def test_phone_column_holds_ciphertext_not_the_number():
    user = _make_user(phone="13812345678")
    raw = _raw_phone_column(user.pk)
    assert "13812345678" not in raw
    assert decrypt_text(raw) == "+8613812345678"


def test_phone_is_decrypted_when_loaded():
    user = _make_user(phone="13812345678")
    assert User.objects.get(pk=user.pk).phone == "+8613812345678"


def test_phone_saved_again_is_still_decrypted_on_load():
    user = _make_user(phone="13812345678")
    user.set_phone("13900001111")
    user.save()
    user.refresh_from_db()
    assert user.phone == "+8613900001111"
    assert "13900001111" not in _raw_phone_column(user.pk)


def test_empty_phone_is_stored_empty():
    user = _make_user()
    assert _raw_phone_column(user.pk) == ""
    user.refresh_from_db()
    assert user.phone == ""


def test_altered_ciphertext_in_the_database_fails_loudly():
    user = _make_user(phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {User._meta.db_table} SET phone = %s WHERE id = %s", ["forged", user.pk])  # noqa: S608
    with pytest.raises(DecryptionError):
        User.objects.get(pk=user.pk)
