"""Send a notification's SMS and email: what ``notification_deliver_task`` runs once the message committed.

Each copy is recorded on the notification when it is handed on, so a redelivered task sends neither again. The
SMS is only queued here (an SmsMessage with its own outbox entry, in this transaction); the email is handed
to the mail server last, so that nothing after it can roll back its record. A worker that dies between that
hand-off and the commit sends the email again on redelivery: email is at least once, and its Message-ID is
fixed per notification so that mail systems can recognise the copy.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from ruanzhu.notifications.models import Notification
from ruanzhu.otp.services import sms_notice_send


def notification_deliver(*, notification_id: int, sms: bool, email: bool) -> None:
    """Send a notification's SMS and email, each at most once per notification."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return
        recipient = notification.recipient
        now = timezone.now()
        sent = []
        if sms and recipient.phone and notification.sms_sent_at is None:
            sms_notice_send(
                phone=recipient.phone, body=f"{notification.title}：{notification.body}", account=recipient
            )
            notification.sms_sent_at = now
            sent.append("sms_sent_at")
        if email and recipient.email and notification.email_sent_at is None:
            _email_send(notification, address=recipient.email)
            notification.email_sent_at = now
            sent.append("email_sent_at")
        if sent:
            notification.save(update_fields=sent)


def _email_send(notification: Notification, *, address: str) -> None:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("<> ") or "localhost"
    EmailMessage(
        subject=f"【软著登记】{notification.title}",
        body=notification.body,
        to=[address],
        headers={"Message-ID": f"<notification-{notification.pk}@{domain}>"},
    ).send()
