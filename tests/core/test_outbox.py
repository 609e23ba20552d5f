"""The transactional outbox: queued with the change, delivered at least once, executed effectively once."""

import logging
from collections import Counter
from datetime import timedelta

import pytest
from celery import shared_task
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app
from ruanzhu.core import outbox
from ruanzhu.core.models import OutboxEntry
from ruanzhu.core.outbox import OutboxTask, outbox_enqueue, outbox_purge, outbox_relay
from ruanzhu.notifications.models import Notification
from ruanzhu.notifications.services import notify
from ruanzhu.notifications.tasks import notification_deliver_task
from ruanzhu.otp import delivery
from ruanzhu.otp.backends import SmsBackend
from ruanzhu.otp.models import SmsMessage

pytestmark = pytest.mark.django_db

Status = OutboxEntry.Status


class DedupingProvider(SmsBackend):
    """An SMS provider as the real one behaves: a second request under a known reference sends nothing."""

    requests: list[str] = []

    def send(self, *, phone, body, reference):
        DedupingProvider.requests.append(reference)
        return f"provider-{reference}"

    @classmethod
    def delivered(cls) -> Counter:
        return Counter(dict.fromkeys(cls.requests, 1))


class WorkerLost(Exception):
    """Stands for the worker process dying at this point: nothing after it runs."""


RUNS: list[int] = []


@shared_task(base=OutboxTask)
def counted_task(number: int) -> None:
    """A task with no idempotency of its own: only the outbox keeps it from running twice."""
    RUNS.append(number)


@pytest.fixture
def provider(settings):
    settings.SMS_BACKEND = "tests.core.test_outbox.DedupingProvider"
    DedupingProvider.requests = []
    return DedupingProvider


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run ``work`` as a request would, then what its commit publishes (in-process, as the embedded default)."""

    def run(work, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return work(*args, **kwargs)

    return run


def later(now=None) -> timezone.datetime:
    """A moment past the relay's grace period."""
    from django.conf import settings

    return (now or timezone.now()) + timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS + 1)


def relay_now(deliver, *, at=None) -> int:
    return deliver(outbox_relay, now=at or later())


def tell(recipient) -> Notification:
    return notify(recipient=recipient, title="审查结果", body="您的申请已受理。")


def statuses() -> Counter:
    return Counter(OutboxEntry.objects.values_list("status", flat=True))


def test_the_entry_is_written_with_the_change_and_done_once_delivered(alice, provider, deliver):
    notification = deliver(tell, alice)

    entries = {entry.task: entry for entry in OutboxEntry.objects.all()}
    assert set(entries) == {notification_deliver_task.name, "ruanzhu.otp.tasks.sms_deliver_task"}
    assert statuses() == Counter({Status.DONE: 2})
    notice = entries[notification_deliver_task.name]
    assert notice.args == [notification.pk] and notice.kwargs == {"sms": True, "email": True}
    assert notice.attempts == 1 and notice.done_at is not None
    assert len(mail.outbox) == 1
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENT
    assert provider.requests == [str(message.pk)]
    notification.refresh_from_db()
    assert notification.email_sent_at and notification.sms_sent_at


def test_a_rollback_leaves_no_entry_and_sends_nothing(alice, provider, deliver):
    class Abort(Exception):
        pass

    def change_then_fail():
        with transaction.atomic():
            tell(alice)
            raise Abort

    with pytest.raises(Abort):
        deliver(change_then_fail)

    assert not OutboxEntry.objects.exists()
    assert not Notification.objects.exists()
    assert not SmsMessage.objects.exists()
    assert mail.outbox == [] and provider.requests == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_enqueue(task=notification_deliver_task, args=[1])
    assert not OutboxEntry.objects.exists()


def test_the_request_id_is_stored_and_published_with_the_entry(alice, deliver, monkeypatch):
    published = []
    monkeypatch.setattr(outbox, "current_request_id", lambda: "req-0123456789")
    monkeypatch.setattr(notification_deliver_task, "apply_async", lambda **options: published.append(options))

    deliver(tell, alice)

    entry = OutboxEntry.objects.get()
    assert entry.request_id == "req-0123456789"
    assert published == [
        {
            "args": [entry.args[0]],
            "kwargs": {"sms": True, "email": True, "outbox_entry": entry.pk},
            "headers": {"request_id": "req-0123456789"},
        }
    ]


def test_a_broker_down_at_commit_loses_nothing_and_the_relay_delivers_once(
    alice, provider, deliver, monkeypatch
):
    def broker_down(**options):
        raise OperationalError("connection refused")

    app.conf.task_always_eager = False
    try:
        with monkeypatch.context() as patch:
            patch.setattr(notification_deliver_task, "apply_async", broker_down)
            notification = deliver(tell, alice)
    finally:
        app.conf.task_always_eager = True

    entry = OutboxEntry.objects.get()
    assert (entry.status, entry.attempts, entry.last_error) == (
        Status.PENDING,
        1,
        "publish: OperationalError",
    )
    assert mail.outbox == [] and provider.requests == []
    # Within the grace period the relay leaves it alone: the first publish may still be on its way.
    assert relay_now(deliver, at=timezone.now()) == 0

    assert relay_now(deliver) == 1

    entry.refresh_from_db()
    assert (entry.status, entry.attempts) == (Status.DONE, 2)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [alice.email]
    assert provider.delivered() == Counter({str(SmsMessage.objects.get().pk): 1})
    assert relay_now(deliver, at=later(later())) == 0
    notification.refresh_from_db()
    assert notification.email_sent_at and notification.sms_sent_at


def test_a_redelivered_entry_runs_once(deliver):
    RUNS.clear()
    entry = deliver(outbox_enqueue, task=counted_task, args=[7])

    for _redelivery in range(2):
        deliver(counted_task.apply, args=[7], kwargs={"outbox_entry": entry.pk})

    assert RUNS == [7]
    entry.refresh_from_db()
    assert entry.status == Status.DONE


def test_a_redelivered_message_sends_one_sms_and_one_email(alice, provider, deliver, settings):
    notification = deliver(tell, alice)
    entry = OutboxEntry.objects.get(task=notification_deliver_task.name)
    message = {"args": entry.args, "kwargs": {**entry.kwargs, "outbox_entry": entry.pk}}

    deliver(notification_deliver_task.apply, **message)
    # Even an entry that looks pending again (a done mark lost) does not send the copies twice.
    OutboxEntry.objects.filter(pk=entry.pk).update(status=Status.PENDING, done_at=None)
    deliver(notification_deliver_task.apply, **message)

    assert len(mail.outbox) == 1
    assert SmsMessage.objects.count() == 1 and len(provider.requests) == 1
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2]
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<notification-{notification.pk}@{domain}>"
    assert statuses() == Counter({Status.DONE: 2})


def test_a_worker_lost_during_the_email_rolls_back_and_the_relay_completes_it_once(
    alice, provider, deliver, monkeypatch
):
    real_send = EmailMessage.send
    calls = []

    def dies_first_time(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise WorkerLost
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", dies_first_time)
    deliver(tell, alice)

    # The SMS queued before the email was rolled back with it; the entry waits for the relay.
    assert statuses() == Counter({Status.PENDING: 1})
    assert not SmsMessage.objects.exists()

    relay_now(deliver)

    assert statuses() == Counter({Status.DONE: 2})
    assert len(mail.outbox) == 1
    assert SmsMessage.objects.get().status == SmsMessage.Status.SENT
    assert len(provider.requests) == 1


def test_a_worker_lost_after_the_provider_call_is_sent_again_under_the_same_reference(
    alice, provider, deliver, monkeypatch
):
    real_record = delivery._message_record
    calls = []

    def dies_first_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise WorkerLost
        return real_record(*args, **kwargs)

    monkeypatch.setattr(delivery, "_message_record", dies_first_time)
    deliver(tell, alice)

    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENDING  # claimed, outcome unknown
    sms_entry = OutboxEntry.objects.get(task="ruanzhu.otp.tasks.sms_deliver_task")
    assert sms_entry.status == Status.PENDING

    relay_now(deliver)

    message.refresh_from_db()
    sms_entry.refresh_from_db()
    assert (message.status, message.delivery_attempts) == (SmsMessage.Status.SENT, 2)
    assert sms_entry.status == Status.DONE
    assert provider.requests == [str(message.pk)] * 2  # at least once, under one reference
    assert provider.delivered() == Counter({str(message.pk): 1})  # the provider sends it once


def test_the_relay_gives_up_after_the_cap_and_logs_no_personal_data(
    alice, provider, deliver, monkeypatch, settings, caplog
):
    settings.OUTBOX_MAX_ATTEMPTS = 3

    def mail_server_down(self, *args, **kwargs):
        raise ConnectionRefusedError(f"cannot reach the mail server for {alice.email}")

    caplog.set_level(logging.INFO)
    monkeypatch.setattr(EmailMessage, "send", mail_server_down)
    deliver(tell, alice)

    moment = timezone.now()
    for _run in range(settings.OUTBOX_MAX_ATTEMPTS):
        moment = later(moment)
        relay_now(deliver, at=moment)

    entry = OutboxEntry.objects.get(task=notification_deliver_task.name)
    assert (entry.status, entry.attempts) == (Status.FAILED, 3)
    assert entry.last_error == "ConnectionRefusedError"
    assert relay_now(deliver, at=later(later(moment))) == 0
    given_up = [record for record in caplog.records if "given up" in record.getMessage()]
    assert len(given_up) == 1 and given_up[0].levelno == logging.ERROR
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert f"entry={entry.pk}" in given_up[0].getMessage()
    assert alice.email not in text and alice.phone.lstrip("+")[2:] not in text
    assert mail.outbox == [] and provider.requests == []


def test_the_purge_deletes_old_done_entries_only(settings):
    settings.OUTBOX_KEEP_DAYS = 7
    now = timezone.now()
    old, recent = now - timedelta(days=8), now - timedelta(days=6)
    OutboxEntry.objects.bulk_create(
        [
            OutboxEntry(task="t", status=Status.DONE, created_at=old, done_at=old),
            OutboxEntry(task="t", status=Status.DONE, created_at=recent, done_at=recent),
            OutboxEntry(task="t", status=Status.FAILED, created_at=old),
            OutboxEntry(task="t", status=Status.PENDING, created_at=old),
        ]
    )

    assert outbox_purge(now=now) == 1

    assert sorted(OutboxEntry.objects.values_list("status", "done_at")) == sorted(
        [(Status.DONE, recent), (Status.FAILED, None), (Status.PENDING, None)]
    )


def test_the_development_schedule_runs_the_relay(alice, provider, deliver, monkeypatch, settings):
    with monkeypatch.context() as patch:
        patch.setattr(notification_deliver_task, "apply_async", lambda **options: None)  # lost on the way
        deliver(tell, alice)
    settings.OUTBOX_RELAY_AFTER_SECONDS = 0

    deliver(call_command, "run_schedule", once=True)

    assert statuses() == Counter({Status.DONE: 2})
    assert len(mail.outbox) == 1 and len(provider.requests) == 1
