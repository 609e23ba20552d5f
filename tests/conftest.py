import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from ruanzhu.accounts.models import User
from ruanzhu.accounts.roles import EXAMINERS, IDENTITY_REVIEWERS
from ruanzhu.registry.services import registration_create
from tests.factories import (
    PASSWORD,
    AgentProfileFactory,
    StaffFactory,
    UserFactory,
    VerificationFactory,
    deposit_pdfs,
    owner_of,
)
from tests.migrating import migrate_to_latest
from tests.s3server import S3Bucket, S3Server


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


@pytest.fixture
def private_storage(settings, tmp_path):
    """Point the default storage at a temporary folder."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server (moto) on loopback, started once for the test session."""
    with S3Server() as server:
        yield server


@pytest.fixture
def s3_storage(settings, s3_server):
    """Point the default storage at a fresh private bucket on the loopback S3 server."""
    bucket = s3_server.create_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_options(bucket)}
    return S3Bucket(name=bucket, client=s3_server.client(), endpoint_url=s3_server.endpoint_url)


@pytest.fixture(scope="session")
def deposits():
    """Real deposits built by the deposit builder: program, documentation, and a program page that is short."""
    return deposit_pdfs()


# --- Personas (STYLE.md), each defined here only ------------------------------------------------------------------
# alice, bob, carol and acme are verified accounts; the verified_* fixtures give them the approved verification
# (real name, ID number or credit code) that parties, forms and letters are built from.
ALICE_ID = "110105199003070017"
BOB_ID = "110105198510120029"
CAROL_ID = "110105199201150046"
ACME_CREDIT_CODE = "91310000MA1FL0XQ3B"
AGENT_CREDIT_CODE = "91110108MA01ABCD2X"


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
def verified_alice(alice):
    """alice with her approved verification: 李爱丽."""
    VerificationFactory(account=alice, real_name="李爱丽", id_number=ALICE_ID)
    return alice


@pytest.fixture
def verified_bob(bob):
    """bob with his approved verification: 鲍勃."""
    VerificationFactory(account=bob, real_name="鲍勃", id_number=BOB_ID)
    return bob


@pytest.fixture
def verified_carol(carol):
    """carol with her approved verification: 柯萝."""
    VerificationFactory(account=carol, real_name="柯萝", id_number=CAROL_ID)
    return carol


@pytest.fixture
def verified_acme(acme):
    """acme with its approved verification: 示例科技有限公司."""
    VerificationFactory(
        institution=True,
        account=acme,
        institution_name="示例科技有限公司",
        credit_code=ACME_CREDIT_CODE,
        address="上海市浦东新区1号",
    )
    return acme


@pytest.fixture
def newcomer(db):
    """An individual who has not been through real-name verification."""
    return UserFactory(username="newcomer", identity_status="unverified")


@pytest.fixture
def applicant(db):
    """An individual who has just signed up and is going through real-name verification."""
    return UserFactory(username="zhangsan", identity_status="unverified", phone="13912345678")


@pytest.fixture
def institution(db):
    """An institution that has just signed up: not yet verified."""
    return UserFactory(
        username="acme_admin",
        kind="institution",
        institution_name="北京示例软件有限公司",
        identity_status="unverified",
    )


@pytest.fixture
def agent(db):
    """A verified institution marked as agent (代理机构)."""
    return AgentProfileFactory(
        account__username="agent",
        name="示例知识产权代理有限公司",
        verified=True,
        verified__credit_code=AGENT_CREDIT_CODE,
    ).account


@pytest.fixture
def other_agent(db):
    """Another agent, with nothing to do with the mandates of ``agent``."""
    return AgentProfileFactory(account__username="otheragent", name="另一家代理有限公司").account


@pytest.fixture
def reviewer(db):
    """An identity reviewer (实名审核员, with a TOTP device)."""
    return StaffFactory(username="reviewer", role=IDENTITY_REVIEWERS)


@pytest.fixture
def second_reviewer(db):
    """Another identity reviewer."""
    return StaffFactory(username="reviewer2", role=IDENTITY_REVIEWERS)


@pytest.fixture
def examiner(db):
    """An examiner (审查员, with a TOTP device)."""
    return StaffFactory(username="examiner", role=EXAMINERS)


@pytest.fixture
def second_examiner(db):
    """Another examiner."""
    return StaffFactory(username="examiner2", role=EXAMINERS)


@pytest.fixture
def data_officer(db):
    """A staff member granted core.unmask_personal_data."""
    user = StaffFactory(username="data_officer")
    user.user_permissions.add(
        Permission.objects.get(codename="unmask_personal_data", content_type__app_label="core")
    )
    # Permissions are cached on the instance: fetch it again so the grant is seen.
    return User.objects.get(pk=user.pk)


@pytest.fixture
def latest_migrations_after():
    """Migrate every app forward again afterwards: a data migration's test goes back, which unapplies what depends
    on the target too (later migrations of the app, and the apps built on it), and the tests after it need them."""
    yield
    migrate_to_latest()


@pytest.fixture
def work(verified_alice):
    """alice's registered work: she is its owner of record by her verified identity (R21 and R41 act on it)."""
    return registration_create(
        service="R11",
        software_name="智慧园区管理平台",
        version="V1.0",
        owners=[owner_of(verified_alice)],
        completion_date=datetime.date(2026, 1, 10),
        registered_on=datetime.date(2026, 2, 1),
    )
