import pytest

from tests.otp.clock import install_clock

PHONE = "+8613800138000"
OTHER_PHONE = "+8613900139000"


@pytest.fixture
def clock(monkeypatch):
    return install_clock(monkeypatch)


@pytest.fixture
def phone():
    return PHONE


@pytest.fixture
def send_now(django_capture_on_commit_callbacks):
    """Send a code and run the after-commit delivery, as the end of a request would."""

    def send(**kwargs):
        from ruanzhu.otp.services import code_send

        with django_capture_on_commit_callbacks(execute=True):
            code_send(**kwargs)

    return send
