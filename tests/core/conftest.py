import time

import pytest
from django.contrib.auth.models import Permission

from ruanzhu.accounts.middleware import SESSION_STARTED_KEY
from ruanzhu.accounts.models import User
from tests.factories import StaffFactory, staff_session


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
def staff_request(rf):
    """Return a request made by ``user``, logged in ``seconds_ago``, from a known address and browser."""

    def make(user, *, seconds_ago: float = 30):
        request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 (Test)")
        request.user = user
        request.session = {SESSION_STARTED_KEY: time.time() - seconds_ago}
        return request

    return make


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


@pytest.fixture
def admin_client_only(client):
    """A client logged in as a superuser who passed the second factor, as the admin requires."""
    root = StaffFactory(username="root", is_superuser=True)
    return staff_session(client, root)
