from celery import shared_task
from django.conf import settings

from ruanzhu.otp.backends import SmsDeliveryError
from ruanzhu.otp.services import sms_message_deliver


@shared_task(bind=True, acks_late=True)
def sms_deliver_task(self, message_id: int) -> None:
    """Deliver one queued SMS, retrying transient failures with a growing delay."""
    max_retries = settings.SMS_DELIVERY_MAX_RETRIES
    try:
        sms_message_deliver(message_id=message_id, final_attempt=self.request.retries >= max_retries)
    except SmsDeliveryError as exc:
        countdown = settings.SMS_DELIVERY_RETRY_DELAY_SECONDS * 2**self.request.retries
        raise self.retry(exc=exc, countdown=countdown, max_retries=max_retries) from None
