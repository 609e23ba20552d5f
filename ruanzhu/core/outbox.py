"""The transactional outbox: tasks queued in the transaction of the change that causes them.

``outbox_enqueue`` writes an ``OutboxEntry`` in the caller's transaction and publishes it right after the
commit, so a rolled-back change queues nothing and a committed one is never lost: if the process dies before
the publish, or the broker is down, the entry stays pending and ``outbox_relay`` (run every minute by beat)
publishes it again after ``OUTBOX_RELAY_AFTER_SECONDS``, up to ``OUTBOX_MAX_ATTEMPTS`` times before giving up.

Delivery is therefore at least once; ``OutboxTask`` makes the execution effectively once. The message carries
the entry's id (the ``outbox_entry`` keyword); the worker locks the entry, skips it when it is done, runs the
task and marks the entry done in the same transaction as the task's own writes. A task that must commit a claim
before an external call (an SMS) sets ``atomic_entry = False``, receives ``outbox_entry`` and settles the
entry itself with ``outbox_entry_done`` in the transaction that records the outcome.
"""

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from celery import Task, current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ruanzhu.core.models import OutboxEntry
from ruanzhu.core.requestid import current_request_id, publish_headers

logger = logging.getLogger(__name__)

# The keyword that carries the entry's id in a published message.
ENTRY_KWARG = "outbox_entry"
RELAY_BATCH = 500


def outbox_enqueue(*, task: Task, args: Sequence = (), kwargs: Mapping | None = None) -> OutboxEntry:
    """Queue ``task`` in the current transaction; it is published once that transaction commits.

    Call it inside the transaction of the change that causes the task, so that both commit or neither does.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "outbox_enqueue must run inside the transaction of the change that causes the task"
        )
    entry = OutboxEntry.objects.create(
        task=task.name, args=list(args), kwargs=dict(kwargs or {}), request_id=current_request_id()
    )
    transaction.on_commit(lambda: _publish_after_commit(entry_id=entry.pk))
    return entry


def _publish_after_commit(*, entry_id: int) -> None:
    # A broker that is down must not fail the request whose change already committed: the relay publishes the
    # entry later. Only the error's type is logged, as its text may quote personal data.
    try:
        outbox_publish(entry_id=entry_id)
    except Exception as error:
        logger.warning("outbox entry left to the relay: entry=%s error=%s", entry_id, type(error).__name__)


def outbox_publish(*, entry_id: int) -> bool:
    """Hand a pending entry to the broker (to the task itself when eager); return whether it was pending."""
    entry = OutboxEntry.objects.filter(pk=entry_id, status=OutboxEntry.Status.PENDING).first()
    if entry is None:
        return False
    OutboxEntry.objects.filter(pk=entry.pk).update(attempts=F("attempts") + 1, dispatched_at=timezone.now())
    task = current_app.tasks[entry.task]
    try:
        task.apply_async(
            args=entry.args,
            kwargs={**entry.kwargs, ENTRY_KWARG: entry.pk},
            headers=publish_headers(entry.request_id),
        )
    except Exception as error:
        # Run in-process (eager), the error is the task's own: Celery then calls no failure handler.
        if task.app.conf.task_always_eager:
            _entry_note_error(entry_id=entry.pk, error=error)
            raise
        OutboxEntry.objects.filter(pk=entry.pk).update(last_error=f"publish: {type(error).__name__}")
        raise
    return True


def outbox_entry_claim(*, entry_id: int) -> bool:
    """Lock the entry for the rest of the transaction; return whether it still has to run."""
    return (
        OutboxEntry.objects.select_for_update()
        .filter(pk=entry_id, status=OutboxEntry.Status.PENDING)
        .exists()
    )


def outbox_entry_done(*, entry_id: int | None) -> None:
    """Mark the entry done: call it in the transaction that commits the task's effects."""
    if entry_id is None:
        return
    OutboxEntry.objects.filter(pk=entry_id, status=OutboxEntry.Status.PENDING).update(
        status=OutboxEntry.Status.DONE, done_at=timezone.now(), last_error=""
    )


def outbox_entry_pending(*, entry_id: int | None) -> bool:
    """Return whether the entry still has to run (True for a task called without one)."""
    if entry_id is None:
        return True
    return OutboxEntry.objects.filter(pk=entry_id, status=OutboxEntry.Status.PENDING).exists()


def _entry_note_error(*, entry_id: int | None, error: BaseException) -> None:
    if entry_id is not None:
        OutboxEntry.objects.filter(pk=entry_id).update(last_error=type(error).__name__[:200])


class OutboxTask(Task):
    """Base of the tasks queued through the outbox: each entry runs once, however often it is delivered."""

    # False for a task that commits a claim before an external call; it then receives ``outbox_entry`` and
    # calls ``outbox_entry_done`` itself in the transaction that records the outcome.
    atomic_entry = True
    # The published message carries ``outbox_entry``, which the task's own signature does not declare.
    typing = False

    def __call__(self, *args, **kwargs):
        entry_id = kwargs.get(ENTRY_KWARG)
        if not self.atomic_entry:
            return self.run(*args, **kwargs)
        kwargs.pop(ENTRY_KWARG, None)
        if entry_id is None:  # called directly, not through the outbox
            return self.run(*args, **kwargs)
        with transaction.atomic():
            if not outbox_entry_claim(entry_id=entry_id):
                return None  # a redelivery of an entry already done (or given up)
            result = self.run(*args, **kwargs)
            outbox_entry_done(entry_id=entry_id)
        return result

    def on_retry(self, exc, task_id, args, kwargs, einfo):
        _entry_note_error(entry_id=(kwargs or {}).get(ENTRY_KWARG), error=exc)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        _entry_note_error(entry_id=(kwargs or {}).get(ENTRY_KWARG), error=exc)


def outbox_relay(*, now: datetime | None = None) -> int:
    """Publish again the entries still pending after the grace period; give up on those past the cap.

    Return how many entries were published. What it picks up is what a failed publish, a process that died
    between commit and publish, or a worker that died mid-task left behind.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS)
    due = list(
        OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING, created_at__lt=cutoff)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)[:RELAY_BATCH]
    )
    published = 0
    for entry_id in due:
        with transaction.atomic():
            # A locked entry is being run by a worker right now: leave it to that worker.
            entry = (
                OutboxEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=entry_id, status=OutboxEntry.Status.PENDING)
                .first()
            )
            if entry is None:
                continue
            if entry.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                entry.status = OutboxEntry.Status.FAILED
                entry.save(update_fields=["status"])
                logger.error(
                    "outbox entry given up: entry=%s task=%s attempts=%s last_error=%s",
                    entry.pk,
                    entry.task,
                    entry.attempts,
                    entry.last_error or "-",
                )
                continue
        try:
            published += outbox_publish(entry_id=entry_id)
        except Exception as error:  # noted on the entry; the next run of the relay tries again
            logger.warning("outbox relay: entry=%s not run: %s", entry_id, type(error).__name__)
    return published


def outbox_purge(*, now: datetime | None = None) -> int:
    """Delete the entries done more than ``OUTBOX_KEEP_DAYS`` ago; return how many. Failed ones stay."""
    now = now or timezone.now()
    deleted, _by_model = OutboxEntry.objects.filter(
        status=OutboxEntry.Status.DONE, done_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    ).delete()
    return deleted


def outbox_entries_retry(*, entry_ids: Sequence[int]) -> int:
    """Give failed entries a new start (pending, no attempts): the relay publishes them within a minute.

    For operators once the cause is fixed (a provider that was down for hours); return how many changed.
    """
    return OutboxEntry.objects.filter(pk__in=entry_ids, status=OutboxEntry.Status.FAILED).update(
        status=OutboxEntry.Status.PENDING, attempts=0, dispatched_at=None, last_error=""
    )
