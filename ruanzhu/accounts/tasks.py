from celery import shared_task
from django.utils import timezone

from ruanzhu.accounts.models import LoginThrottle
from ruanzhu.accounts.notices import login_wait_notify
from ruanzhu.core.outbox import OutboxTask


@shared_task(base=OutboxTask)
def login_wait_notice_task(account_id: int | None) -> None:
    """Tell an account's owner that its logins must wait (nothing when no account was involved)."""
    login_wait_notify(account_id=account_id)


@shared_task
def login_throttles_purge_task() -> int:
    """Delete the login counts whose window and wait are both over (run daily by Celery beat)."""
    deleted, _by_model = LoginThrottle.objects.stale(timezone.now()).delete()
    return deleted
