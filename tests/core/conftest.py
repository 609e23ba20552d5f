import time

import factory
import pytest
from django.contrib.auth.models import Permission

from ruanzhu.accounts.middleware import SESSION_STARTED_KEY
from ruanzhu.accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = "correct horse battery staple"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


# Local to tests/core: a verified individual, and a staff member with the unmask permission (the shared
# ``reviewer`` persona does not have it).
@pytest.fixture
def alice(db):
    return UserFactory(username="alice", phone="13812345678", identity_status=User.IdentityStatus.VERIFIED)


@pytest.fixture
def data_officer(db):
    """A staff member granted core.unmask_personal_data."""
    user = UserFactory(username="data_officer", is_staff=True)
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
def admin_client_only(client, settings, tmp_path):
    """A client logged in as a superuser, against a URL conf holding only the admin."""
    settings.ROOT_URLCONF = "tests.core.urls"
    settings.STATIC_ROOT = tmp_path
    root = User.objects.create_superuser(username="root", email="root@example.com", password="x" * 12)
    client.force_login(root)
    session = client.session
    session[SESSION_STARTED_KEY] = time.time()
    session.save()
    return client
