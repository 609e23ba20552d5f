from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ruanzhu.notifications.models import Notification
from ruanzhu.notifications.selectors import unread_cache_key


def notify(
    *, recipient, title: str, body: str, link: str = "", sms: bool = True, email: bool = True
) -> Notification:
    """Tell ``recipient`` something: an in-site message now, SMS and email after the commit."""
    notification = Notification.objects.create(recipient=recipient, title=title, body=body, link=link)
    transaction.on_commit(lambda: cache.delete(unread_cache_key(recipient.pk)))
    if sms or email:
        transaction.on_commit(
            lambda: _schedule(notification.pk, sms=sms, email=email),
            robust=True,
        )
    return notification


def _schedule(notification_id: int, *, sms: bool, email: bool) -> None:
    from ruanzhu.notifications.tasks import notification_deliver_task

    notification_deliver_task.delay(notification_id, sms=sms, email=email)


def notification_deliver(*, notification_id: int, sms: bool, email: bool) -> None:
    """Send a notification's SMS and email."""
    from ruanzhu.otp.services import sms_notice_send

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


def notifications_mark_read(*, recipient, notification_id: int | None = None) -> int:
    """Mark one or all of ``recipient``'s messages read; return how many changed."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=timezone.now())
    cache.delete(unread_cache_key(recipient.pk))
    return changed
