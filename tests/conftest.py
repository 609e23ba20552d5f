import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, StaffFactory, UserFactory, totp_device


def pytest_collection_modifyitems(items):
    """Make every transactional test restore the migrated data (reason codes, permissions) after its flush.

    A flush with post_migrate signals recreates content types and permissions under new ids while data
    migrations are lost; mixing such tests with serialized-rollback ones breaks whichever runs next. So all of
    them roll back the same way.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            {"live_server", "transactional_db"} & set(fixtures)
        )
        if transactional and not (marker and marker.kwargs.get("serialized_rollback")):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Use a fast hasher in tests; Argon2id itself is covered by a dedicated test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Start every test with an empty cache (throttling counters, sessions on Redis)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


# --- Personas (STYLE.md) ------------------------------------------------------------------------------------------
@pytest.fixture
def alice(db):
    """A verified individual."""
    return UserFactory(username="alice", phone="13800000001")


@pytest.fixture
def bob(db):
    """A verified individual, co-owner of alice's filings."""
    return UserFactory(username="bob", phone="13800000002")


@pytest.fixture
def carol(db):
    """A verified individual with nothing to do with alice: must see nothing of hers."""
    return UserFactory(username="carol", phone="13800000009")


@pytest.fixture
def acme(db):
    """A verified institution."""
    return UserFactory(
        username="acme", kind="institution", institution_name="示例科技有限公司", phone="13800000003"
    )


@pytest.fixture
def newcomer(db):
    """An individual who has not been through real-name verification."""
    return UserFactory(username="newcomer", identity_status="unverified")


@pytest.fixture
def reviewer(db):
    """An identity reviewer (staff, with a TOTP device)."""
    user = StaffFactory(username="reviewer")
    totp_device(user)
    return user


@pytest.fixture
def examiner(db):
    """An examiner (staff, with a TOTP device)."""
    user = StaffFactory(username="examiner")
    totp_device(user)
    return user
