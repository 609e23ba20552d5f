from celery import shared_task
from django.conf import settings

from ruanzhu.core.outbox import OutboxTask
from ruanzhu.otp.backends import SmsDeliveryError
from ruanzhu.otp.delivery import sms_message_deliver


# Not atomic: the message is claimed and committed before the provider is called (see otp.delivery).
@shared_task(bind=True, base=OutboxTask, atomic_entry=False)
def sms_deliver_task(self, message_id: int, outbox_entry: int | None = None) -> None:
    """Deliver one queued SMS, retrying transient failures with a growing delay."""
    retries = self.request.retries
    try:
        sms_message_deliver(
            message_id=message_id,
            final_attempt=retries >= settings.SMS_DELIVERY_MAX_RETRIES,
            outbox_entry=outbox_entry,
        )
    except SmsDeliveryError as exc:
        if self.request.is_eager:
            # In-process (the embedded default) Celery hands a Retry back to the caller instead of running it
            # when eager exceptions propagate, so try again at once.
            self.apply(args=(message_id,), kwargs={"outbox_entry": outbox_entry}, retries=retries + 1)
            return
        countdown = settings.SMS_DELIVERY_RETRY_DELAY_SECONDS * 2**retries
        raise self.retry(
            exc=exc, countdown=countdown, max_retries=settings.SMS_DELIVERY_MAX_RETRIES
        ) from None
