import logging

import pytest
from django.db import transaction

from ruanzhu.otp.backends import SmsBackend, SmsDeliveryError
from ruanzhu.otp.models import OutboxMessage, Purpose, SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from ruanzhu.otp.services import code_send

pytestmark = pytest.mark.django_db


class ScriptedBackend(SmsBackend):
    """Fails as scripted, then succeeds; records every call."""

    script: list = []
    calls: list = []

    def send(self, *, phone, body, reference):
        ScriptedBackend.calls.append(reference)
        if ScriptedBackend.script:
            raise ScriptedBackend.script.pop(0)
        return "provider-42"


@pytest.fixture
def scripted_backend(settings):
    settings.SMS_BACKEND = "tests.otp.test_delivery.ScriptedBackend"
    settings.SMS_DELIVERY_MAX_RETRIES = 2
    ScriptedBackend.script = []
    ScriptedBackend.calls = []
    return ScriptedBackend


def test_message_is_delivered_only_after_commit(phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        code_send(phone=phone, purpose=Purpose.SIGNUP)
        assert not OutboxMessage.objects.exists()

    assert len(callbacks) == 1
    assert outbox_messages(phone).count() == 1
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENT
    assert message.sent_at is not None
    assert message.provider_reference.startswith("outbox-")


def test_nothing_is_sent_when_the_transaction_rolls_back(phone, django_capture_on_commit_callbacks):
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Abort), transaction.atomic():
            code_send(phone=phone, purpose=Purpose.SIGNUP)
            raise Abort

    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_queued_message_body_is_encrypted_and_cleared_once_sent(phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        code_send(phone=phone, purpose=Purpose.SIGNUP)
    queued = SmsMessage.objects.get()
    assert queued.status == SmsMessage.Status.QUEUED
    assert "用于注册" in queued.body

    callbacks[0]()

    sent = SmsMessage.objects.get()
    assert sent.status == SmsMessage.Status.SENT
    assert sent.body == ""
    assert "用于注册" in outbox_messages(phone).get().body


def test_transient_failure_is_retried_until_sent(phone, scripted_backend, send_now):
    scripted_backend.script = [SmsDeliveryError("provider timed out", transient=True)]

    send_now(phone=phone, purpose=Purpose.SIGNUP)

    message = SmsMessage.objects.get()
    assert len(scripted_backend.calls) == 2
    assert message.status == SmsMessage.Status.SENT
    assert message.delivery_attempts == 2
    assert message.provider_reference == "provider-42"


def test_delivery_fails_after_the_last_retry(phone, scripted_backend, send_now):
    scripted_backend.script = [SmsDeliveryError("provider answered HTTP 503", transient=True)] * 3

    send_now(phone=phone, purpose=Purpose.SIGNUP)

    message = SmsMessage.objects.get()
    assert len(scripted_backend.calls) == 3
    assert message.status == SmsMessage.Status.FAILED
    assert message.error == "provider answered HTTP 503"
    assert message.body == ""


def test_permanent_failure_is_not_retried(phone, scripted_backend, send_now):
    scripted_backend.script = [SmsDeliveryError("provider refused: INVALID_PHONE", transient=False)]

    send_now(phone=phone, purpose=Purpose.SIGNUP)

    message = SmsMessage.objects.get()
    assert len(scripted_backend.calls) == 1
    assert message.status == SmsMessage.Status.FAILED


def test_settled_message_is_not_sent_twice(phone, scripted_backend, send_now):
    from ruanzhu.otp.tasks import sms_deliver_task

    send_now(phone=phone, purpose=Purpose.SIGNUP)
    sms_deliver_task.delay(SmsMessage.objects.get().pk)

    assert len(scripted_backend.calls) == 1


def test_logs_hold_neither_code_nor_phone(phone, send_now, caplog):
    caplog.set_level(logging.DEBUG)

    send_now(phone=phone, purpose=Purpose.SIGNUP)

    code = latest_code_in_outbox(phone)
    assert caplog.records
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert code not in text
    assert phone.lstrip("+")[2:] not in text


def test_latest_code_in_outbox_reads_the_newest_message_to_that_phone(phone, send_now, clock):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    clock.advance(61)
    send_now(phone=phone, purpose=Purpose.PASSWORD_RESET)
    send_now(phone="+8613900139000", purpose=Purpose.SIGNUP)

    newest = outbox_messages(phone).first()
    assert "用于重置密码" in newest.body
    assert latest_code_in_outbox(phone) in newest.body
    assert outbox_messages().first().phone == "+8613900139000"


def test_latest_code_in_outbox_without_message_raises_lookup_error(phone):
    with pytest.raises(LookupError):
        latest_code_in_outbox(phone)
