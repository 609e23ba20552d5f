from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from ruanzhu.core.outbox import outbox_enqueue
from ruanzhu.notifications.messages import Text
from ruanzhu.notifications.models import Notification
from ruanzhu.notifications.selectors import unread_cache_key
from ruanzhu.notifications.tasks import notification_deliver_task


def notify(
    *, recipient, title: str | Text, body: str | Text, link: str = "", sms: bool = True, email: bool = True
) -> Notification:
    """Tell ``recipient`` something: an in-site message now, SMS and email queued in the same transaction.

    ``title`` and ``body`` as ``Text`` are shown in the reader's language; SMS and email go out in Chinese.
    """
    params = _params_of(title, body)
    with transaction.atomic():
        with translation.override(settings.LANGUAGE_CODE):
            notification = Notification.objects.create(
                recipient=recipient,
                title=str(title),
                body=str(body),
                title_key=title.msgid if isinstance(title, Text) else "",
                body_key=body.msgid if isinstance(body, Text) else "",
                params=params,
                link=link,
            )
        transaction.on_commit(lambda: cache.delete(unread_cache_key(recipient.pk)))
        if sms or email:
            outbox_enqueue(
                task=notification_deliver_task,
                args=[notification.pk],
                kwargs={"sms": sms, "email": email},
            )
    return notification


def _params_of(*texts: str | Text) -> dict[str, str]:
    params: dict[str, str] = {}
    for text in texts:
        for name, value in getattr(text, "params", {}).items():
            if params.setdefault(name, value) != value:
                raise ValueError(f"parameter {name!r} differs between the title and the body")
    return params


def notifications_mark_read(*, recipient, notification_id: int | None = None) -> int:
    """Mark one or all of ``recipient``'s messages read; return how many changed."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=timezone.now())
    cache.delete(unread_cache_key(recipient.pk))
    return changed
