from celery import shared_task

from ruanzhu.core.outbox import OutboxTask
from ruanzhu.notifications.delivery import notification_deliver


@shared_task(base=OutboxTask)
def notification_deliver_task(notification_id: int, *, sms: bool, email: bool) -> None:
    notification_deliver(notification_id=notification_id, sms=sms, email=email)
