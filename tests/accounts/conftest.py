import pytest
from django.urls import reverse

from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.otp.clock import install_clock


@pytest.fixture
def signup_client(client, db):
    """A client that has accepted the terms (同意并继续)."""
    client.post(reverse("accounts:signup"))
    return client


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    """Ask for a code through ``url`` and return the code delivered to the outbox."""

    def send(client, url, data, phone_e164):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code in (200, 302), response.content.decode()[:500]
        return latest_code_in_outbox(phone_e164)

    return send


@pytest.fixture
def clock(monkeypatch):
    """Time that moves only when the test says so (waits, windows), instead of sleeping."""
    return install_clock(monkeypatch)
