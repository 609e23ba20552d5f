"""Periodic tasks of the outbox: the relay that publishes what was left behind, and the purge of done entries."""

from celery import shared_task

from ruanzhu.core.outbox import outbox_purge, outbox_relay


@shared_task
def outbox_relay_task() -> int:
    """Publish again the outbox entries not done after the grace period (run every minute by Celery beat)."""
    return outbox_relay()


@shared_task
def outbox_purge_task() -> int:
    """Delete the outbox entries done long ago (run daily by Celery beat)."""
    return outbox_purge()
