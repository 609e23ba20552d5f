import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Use a fast hasher in tests; Argon2id itself is covered by a dedicated test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
