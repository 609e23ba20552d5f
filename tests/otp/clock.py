"""A clock that tests move by hand, read by the code through django.utils.timezone.now."""

from datetime import timedelta

from django.utils import timezone


class Clock:
    """Stand-in for timezone.now: moves only when the test says so."""

    def __init__(self, start):
        self.current = start

    def now(self):
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def install_clock(monkeypatch) -> Clock:
    """Replace timezone.now by a Clock at noon in Shanghai today, and return it.

    Noon, so that no test crosses the local midnight where the daily SMS budget starts over.
    """
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock
