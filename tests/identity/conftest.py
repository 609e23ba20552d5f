import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ruanzhu.core.models import ReasonCode
from tests.factories import StaffFactory, UserFactory, staff_session, totp_device
from tests.identity import images_fixtures as pictures

ALICE_ID = "110105199003070017"
OTHER_ID = "310115198510120029"
CREDIT_CODE = "91110000600037341L"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def storage_dir(_private_storage):
    return _private_storage


@pytest.fixture(scope="session")
def photos():
    """Real-looking photos for each slot, built once: ID card front/back, a handheld photo with a face."""
    return {
        "id_front": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_front(), seed=11)),
        "id_back": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=12)),
        "handheld": pictures.jpeg_bytes(pictures.handheld_photo(seed=13)),
        "licence": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=14)),
        "admin_id_front": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_front(), seed=15)),
        "admin_id_back": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=16)),
        "authorization_letter": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=17)),
    }


def upload_file(content: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.fixture
def applicant(db):
    """An individual who has just signed up: not yet verified."""
    return UserFactory(username="zhangsan", identity_status="unverified", phone="13912345678")


@pytest.fixture
def institution(db):
    return UserFactory(
        username="acme_admin",
        kind="institution",
        institution_name="北京示例软件有限公司",
        identity_status="unverified",
    )


@pytest.fixture
def identity_reviewer(db):
    """A reviewer with the review permission, logged in with the second factor."""
    from ruanzhu.accounts.roles import IDENTITY_REVIEWERS, staff_roles_ensure

    user = StaffFactory(username="reviewer")
    user.groups.add(staff_roles_ensure()[IDENTITY_REVIEWERS])
    totp_device(user)
    return user


@pytest.fixture
def reviewer_client(client, identity_reviewer):
    return staff_session(client, identity_reviewer)


@pytest.fixture
def second_reviewer(db):
    from ruanzhu.accounts.roles import IDENTITY_REVIEWERS, staff_roles_ensure

    user = StaffFactory(username="reviewer2")
    user.groups.add(staff_roles_ensure()[IDENTITY_REVIEWERS])
    totp_device(user)
    return user


@pytest.fixture
def reasons(db):
    return list(ReasonCode.objects.filter(queue=ReasonCode.Queue.IDENTITY, is_active=True))


def fill_individual(client, photos, *, id_number=ALICE_ID, capture=None):
    """Walk an individual through steps 1–3 up to (not including) submission."""
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    response = client.post(
        reverse("identity:step2"),
        {
            "real_name": "张三",
            "id_number": id_number,
            "id_valid_from": "2020-01-01",
            "id_long_term": "on",
            "province": "北京市",
            "city": "北京市",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for slot in ("id_front", "id_back", "handheld"):
        response = client.post(reverse("identity:upload", args=[slot]), {"file": upload_file(photos[slot])})
        assert response.status_code == 302


@pytest.fixture
def submitted(applicant, photos, django_capture_on_commit_callbacks):
    """The applicant's verification, filled in and submitted through the wizard (in a client of its own)."""
    from django.test import Client

    client = Client()
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        fill_individual(client, photos)
        response = client.post(reverse("identity:step3"), {"consent_id_data": "on", "consent_face": "on"})
    assert response.status_code == 302
    client.logout()
    return applicant.verifications.get()
