import pytest

from tests.factories import FilingFactory, staff_session


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.DATA_DIR = tmp_path  # the development signing key is created here


@pytest.fixture
def submitted_filing(verified_alice, verified_bob, deposits):
    return FilingFactory(
        submitted=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )


@pytest.fixture
def examiner_client(client, examiner):
    return staff_session(client, examiner)
