import threading

import pytest
from django.db import OperationalError, connections

from ruanzhu.otp.models import Purpose, SendBudgetDay, SmsMessage
from ruanzhu.otp.services import SendRefused, code_send

SENDERS = 4


def send_from_threads(*, phones: list[str]) -> list[str]:
    """Call code_send from one thread per phone, all released at once; return each outcome."""
    barrier = threading.Barrier(len(phones))
    outcomes: list[str] = []

    def send(phone: str) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(200):
                try:
                    code_send(phone=phone, purpose=Purpose.SIGNUP)
                    outcomes.append("sent")
                    return
                except SendRefused:
                    outcomes.append("refused")
                    return
                except OperationalError as exc:
                    # An in-memory (shared-cache) SQLite test database reports a held lock at once instead of
                    # waiting for it as a file database does (busy timeout); try again as that wait would.
                    if "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.01)
            outcomes.append("gave up")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sends_to_one_phone_pass_the_minute_limit_once(phone):
    outcomes = send_from_threads(phones=[phone] * SENDERS)

    assert sorted(outcomes) == ["refused"] * (SENDERS - 1) + ["sent"]
    assert SmsMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sends_cannot_overspend_the_daily_budget(settings):
    settings.OTP_DAILY_BUDGET = 2
    phones = [f"+86137000000{n:02d}" for n in range(SENDERS)]

    outcomes = send_from_threads(phones=phones)

    assert sorted(outcomes) == ["refused"] * (SENDERS - 2) + ["sent"] * 2
    assert SmsMessage.objects.count() == 2
    assert SendBudgetDay.objects.get().sent == 2
