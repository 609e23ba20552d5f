import time

import pytest

from ruanzhu.core.http import SESSION_STARTED_KEY
from tests.factories import StaffFactory, staff_session


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
def admin_client_only(client):
    """A client logged in as a superuser who passed the second factor, as the admin requires."""
    root = StaffFactory(username="root", is_superuser=True)
    return staff_session(client, root)
