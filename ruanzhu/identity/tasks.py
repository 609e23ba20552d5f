from celery import shared_task

from ruanzhu.core.outbox import OutboxTask
from ruanzhu.identity.checks import document_run_checks


@shared_task(base=OutboxTask)
def document_check_task(document_id: int) -> None:
    document_run_checks(document_id=document_id)
