from celery import shared_task

from ruanzhu.examination.services import corrections_expire


@shared_task
def corrections_expire_task() -> dict[str, int]:
    """Run hourly by Celery beat: reminders before correction deadlines, 视为撤回 after them."""
    return corrections_expire()
