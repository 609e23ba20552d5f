from datetime import timedelta

import pytest
from django.utils import timezone

PHONE = "+8613800138000"
OTHER_PHONE = "+8613900139000"


class Clock:
    """A clock the test moves by hand; services read it through django.utils.timezone.now."""

    def __init__(self, start):
        self.current = start

    def now(self):
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    # Noon in Shanghai, so that no test crosses the local midnight where the daily budget starts over.
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


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
