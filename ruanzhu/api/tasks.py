"""Periodic task of the API: the purge of Idempotency-Keys past their time."""

from celery import shared_task

from ruanzhu.api.idempotency import idempotency_keys_purge


@shared_task
def idempotency_keys_purge_task() -> int:
    """Delete the Idempotency-Keys older than 24 hours (run daily by Celery beat)."""
    return idempotency_keys_purge()
