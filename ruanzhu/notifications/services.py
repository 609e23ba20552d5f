from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ruanzhu.notifications.models import Notification
from ruanzhu.notifications.selectors import unread_cache_key
from ruanzhu.notifications.tasks import notification_deliver_task


def notify(
    *, recipient, title: str, body: str, link: str = "", sms: bool = True, email: bool = True
) -> Notification:
    """Tell ``recipient`` something: an in-site message now, SMS and email after the commit."""
    notification = Notification.objects.create(recipient=recipient, title=title, body=body, link=link)
    transaction.on_commit(lambda: cache.delete(unread_cache_key(recipient.pk)))
    if sms or email:
        transaction.on_commit(
            lambda: notification_deliver_task.delay(notification.pk, sms=sms, email=email),
            robust=True,
        )
    return notification


def notifications_mark_read(*, recipient, notification_id: int | None = None) -> int:
    """Mark one or all of ``recipient``'s messages read; return how many changed."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=timezone.now())
    cache.delete(unread_cache_key(recipient.pk))
    return changed
