"""Send a notification's SMS and email: what ``notification_deliver_task`` runs once the message committed."""

from django.core.mail import send_mail

from ruanzhu.notifications.models import Notification
from ruanzhu.otp.services import sms_notice_send


def notification_deliver(*, notification_id: int, sms: bool, email: bool) -> None:
    """Send a notification's SMS and email."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return
    recipient = notification.recipient
    if email and recipient.email:
        send_mail(
            subject=f"【软著登记】{notification.title}",
            message=notification.body,
            from_email=None,
            recipient_list=[recipient.email],
        )
    if sms and recipient.phone:
        sms_notice_send(
            phone=recipient.phone, body=f"{notification.title}：{notification.body}", account=recipient
        )
