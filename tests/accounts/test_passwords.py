import argon2
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.test import override_settings
from django.urls import reverse

from config import settings as project_settings

PROJECT_HASHERS = override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS)


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters():
    with PROJECT_HASHERS:
        encoded = make_password("Lantern-Orchid-2026")
    assert encoded.startswith("argon2$argon2id$")
    parameters = argon2.extract_parameters(encoded.removeprefix("argon2"))
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19 * 1024, 2, 1)
    with PROJECT_HASHERS:
        assert check_password("Lantern-Orchid-2026", encoded)
        assert not check_password("Lantern-Orchid-2027", encoded)


def test_a_hash_with_other_parameters_still_logs_in_and_is_rewritten(client, alice, password):
    alice.password = Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
    alice.save(update_fields=["password"])
    assert "m=102400" in alice.password
    with PROJECT_HASHERS:
        response = client.post(
            reverse("accounts:login"), {"identifier": "alice", "password": password, "tab": "individual"}
        )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert "m=19456,t=2,p=1" in alice.password


def test_a_wrong_password_does_not_rewrite_the_hash(client, alice, password):
    alice.password = Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
    alice.save(update_fields=["password"])
    before = alice.password
    with PROJECT_HASHERS:
        client.post(
            reverse("accounts:login"), {"identifier": "alice", "password": "wrong", "tab": "individual"}
        )
    alice.refresh_from_db()
    assert alice.password == before
