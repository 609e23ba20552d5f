"""Background work of filings: deposits built online (在线生成)."""

from celery import shared_task

from ruanzhu.core.outbox import OutboxTask
from ruanzhu.filings.services.deposit_builds import deposit_build_run


@shared_task(base=OutboxTask, atomic_entry=False)
def deposit_build_task(build_id: int, outbox_entry: int | None = None) -> None:
    # Not one transaction with its entry: the build's progress must be seen by the applicant while it runs.
    deposit_build_run(build_id=build_id, outbox_entry=outbox_entry)
