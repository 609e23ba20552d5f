"""Delivery through a real Celery worker on Redis, as in production."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from ruanzhu.core.models import OutboxEntry
from ruanzhu.core.outbox import outbox_relay
from ruanzhu.notifications.services import notify
from ruanzhu.notifications.tasks import notification_deliver_task
from ruanzhu.otp.models import Purpose, SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from ruanzhu.otp.services import code_send, code_verify
from ruanzhu.otp.tasks import sms_deliver_task
from tests.celery_worker import worker_on_redis
from tests.factories import UserFactory


@pytest.fixture
def redis_url(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: runs in the PostgreSQL+Redis CI pass")
    return settings.REDIS_URL


@pytest.fixture
def celery_worker_on_redis(redis_url):
    with worker_on_redis(redis_url, [sms_deliver_task, notification_deliver_task]) as worker:
        yield worker


def wait_for_status(message_id: int, *, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        try:
            status = SmsMessage.objects.get(pk=message_id).status
        except OperationalError:
            status = ""
        # Sending is the claim a worker takes before it calls the provider: not an outcome yet.
        if status and status not in (SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING):
            return status
        time.sleep(0.05)
    return status


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_code_is_delivered_by_a_celery_worker_after_commit(celery_worker_on_redis, phone):
    code_send(phone=phone, purpose=Purpose.SIGNUP)
    message = SmsMessage.objects.get()

    assert wait_for_status(message.pk) == SmsMessage.Status.SENT
    code_verify(phone=phone, purpose=Purpose.SIGNUP, code=latest_code_in_outbox(phone))


def wait_for_outbox(*, done: int, timeout: float = 15) -> Counter:
    """Wait until ``done`` outbox entries are done; return the count of entries per status."""
    deadline = time.monotonic() + timeout
    statuses: Counter = Counter()
    while time.monotonic() < deadline:
        try:
            statuses = Counter(OutboxEntry.objects.values_list("status", flat=True))
        except OperationalError:
            statuses = Counter()
        if statuses[OutboxEntry.Status.DONE] >= done:
            return statuses
        time.sleep(0.05)
    return statuses


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_notification_is_delivered_by_a_celery_worker_once(celery_worker_on_redis):
    account = UserFactory()

    notify(recipient=account, title="审查结果", body="您的申请已受理。")

    assert wait_for_outbox(done=2) == Counter({OutboxEntry.Status.DONE: 2})
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENT
    assert outbox_messages(account.phone).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_what_the_broker_missed_at_commit_the_relay_hands_to_the_worker(celery_worker_on_redis, monkeypatch):
    account = UserFactory()

    def broker_down(*args, **kwargs):
        raise BrokerError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(notification_deliver_task, "apply_async", broker_down)
        notify(recipient=account, title="审查结果", body="您的申请已受理。")
    assert OutboxEntry.objects.get().last_error == "publish: OperationalError"

    outbox_relay(now=timezone.now() + timedelta(hours=1))

    assert wait_for_outbox(done=2) == Counter({OutboxEntry.Status.DONE: 2})
    assert outbox_messages(account.phone).count() == 1
    assert len(mail.outbox) == 1
