"""Hand queued SMS to the backend: what ``sms_deliver_task`` runs once the message committed."""

import logging

from django.utils import timezone

from ruanzhu.otp.backends import SmsDeliveryError, get_backend
from ruanzhu.otp.models import SmsMessage

logger = logging.getLogger(__name__)


def sms_message_deliver(*, message_id: int, final_attempt: bool) -> None:
    """Hand a queued message to the SMS backend and record the outcome.

    Raise SmsDeliveryError for a transient failure when another attempt will follow, so that the task retries.
    """
    message = SmsMessage.objects.filter(pk=message_id).first()
    if message is None or message.status != SmsMessage.Status.QUEUED:
        # Already settled: a redelivered task (acks_late) must not send the code twice.
        return
    attempts = message.delivery_attempts + 1
    try:
        reference = get_backend().send(phone=message.phone, body=message.body, reference=str(message.pk))
    except SmsDeliveryError as exc:
        if exc.transient and not final_attempt:
            SmsMessage.objects.filter(pk=message.pk).update(
                delivery_attempts=attempts, error=exc.reason[:200]
            )
            logger.warning("sms delivery failed, will retry: message=%s reason=%s", message.pk, exc.reason)
            raise
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsMessage.Status.FAILED, delivery_attempts=attempts, error=exc.reason[:200], body=""
        )
        logger.error("sms delivery failed: message=%s reason=%s", message.pk, exc.reason)
        return
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsMessage.Status.SENT,
        delivery_attempts=attempts,
        provider_reference=reference[:100],
        error="",
        body="",
        sent_at=timezone.now(),
    )
    logger.info("sms delivered: message=%s", message.pk)
