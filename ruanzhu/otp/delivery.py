"""Hand queued SMS to the backend: what ``sms_deliver_task`` runs once the message committed.

A message is claimed before it is sent: QUEUED becomes SENDING under a row lock, in a transaction of its own
that commits before the backend is called, and the outcome is recorded in the transaction that also marks the
message's outbox entry done. A message still SENDING when its task runs again was claimed by a worker that died
before recording the outcome; nobody can tell whether the provider got it, so it is handed over again under
the same reference, its id, which the provider uses to drop a duplicate. Delivery is at least once, made
exactly once by the provider's deduplication on the reference.
"""

import logging

from django.db import transaction
from django.utils import timezone

from ruanzhu.core.metrics import sms_outcome_observe
from ruanzhu.core.outbox import outbox_entry_done, outbox_entry_pending
from ruanzhu.otp.backends import SmsDeliveryError, get_backend
from ruanzhu.otp.models import SmsMessage

logger = logging.getLogger(__name__)


def sms_message_deliver(*, message_id: int, final_attempt: bool, outbox_entry: int | None = None) -> None:
    """Hand a queued message to the SMS backend and record the outcome, settling ``outbox_entry`` with it.

    Raise SmsDeliveryError for a transient failure when another attempt will follow, so that the task retries.
    """
    if not outbox_entry_pending(entry_id=outbox_entry):
        return
    message = _message_claim(message_id=message_id, outbox_entry=outbox_entry)
    if message is None:
        return
    try:
        reference = get_backend().send(phone=message.phone, body=message.body, reference=str(message.pk))
    except SmsDeliveryError as exc:
        if exc.transient and not final_attempt:
            # Not delivered as far as anyone knows: back in the queue for the retry.
            _message_record(
                message, outbox_entry=None, status=SmsMessage.Status.QUEUED, error=exc.reason[:200]
            )
            logger.warning("sms delivery failed, will retry: message=%s reason=%s", message.pk, exc.reason)
            sms_outcome_observe(status="retrying")
            raise
        _message_record(
            message,
            outbox_entry=outbox_entry,
            status=SmsMessage.Status.FAILED,
            error=exc.reason[:200],
            body="",
        )
        logger.error("sms delivery failed: message=%s reason=%s", message.pk, exc.reason)
        sms_outcome_observe(status="failed")
        return
    _message_record(
        message,
        outbox_entry=outbox_entry,
        status=SmsMessage.Status.SENT,
        provider_reference=reference[:100],
        error="",
        body="",
        sent_at=timezone.now(),
    )
    logger.info("sms delivered: message=%s", message.pk)
    sms_outcome_observe(status="sent")


@transaction.atomic
def _message_claim(*, message_id: int, outbox_entry: int | None) -> SmsMessage | None:
    """Mark the message SENDING and count the attempt; None (and the entry settled) when there is none to send."""
    message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status not in (SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING):
        # Settled already, or withheld: a redelivered task must not send the code twice.
        outbox_entry_done(entry_id=outbox_entry)
        return None
    if message.status == SmsMessage.Status.SENDING:
        logger.warning("sms claimed by a worker that stopped, sending again: message=%s", message.pk)
    message.status = SmsMessage.Status.SENDING
    message.delivery_attempts += 1
    message.save(update_fields=["status", "delivery_attempts"])
    return message


@transaction.atomic
def _message_record(message: SmsMessage, *, outbox_entry: int | None, **fields) -> None:
    SmsMessage.objects.filter(pk=message.pk).update(**fields)
    outbox_entry_done(entry_id=outbox_entry)
