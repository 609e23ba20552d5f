from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

from config import settings as project_settings


def test_passwords_are_hashed_with_argon2id():
    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        encoded = make_password("Lantern-Orchid-2026")
        assert encoded.startswith("argon2$argon2id$")
        assert check_password("Lantern-Orchid-2026", encoded)
