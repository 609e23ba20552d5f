import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ruanzhu.core.models import ReasonCode
from tests.factories import staff_session
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
def reviewer_client(client, reviewer):
    return staff_session(client, reviewer)


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
