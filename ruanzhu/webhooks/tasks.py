"""Delivering webhook events: the first attempt right after the change commits, the retries from beat."""

from celery import shared_task

from ruanzhu.core.outbox import OutboxTask
from ruanzhu.webhooks.services import deliveries_due, deliveries_purge, delivery_attempt


@shared_task(base=OutboxTask, atomic_entry=False)
def webhook_deliver_task(delivery_id: int, outbox_entry: int | None = None) -> None:
    # Not one transaction with its entry: the HTTP request must not hold a transaction open, and the claim it
    # commits first keeps a redelivered message from sending the event twice at once.
    delivery_attempt(delivery_id=delivery_id, outbox_entry=outbox_entry)


@shared_task
def webhook_deliveries_due_task() -> int:
    """Queue an attempt at every delivery whose retry is due (run every minute by Celery beat)."""
    due = deliveries_due()
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id=delivery_id)
    return len(due)


@shared_task
def webhook_deliveries_purge_task() -> int:
    """Delete the old delivered and failed deliveries (run daily by Celery beat)."""
    return deliveries_purge()
