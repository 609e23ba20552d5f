import pytest
from django.contrib.auth.models import Permission

from ruanzhu.core.models import OutboxEntry
from tests.factories import StaffFactory, staff_session

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/core/outboxentry/"


def entry(status, **fields):
    return OutboxEntry.objects.create(
        task="ruanzhu.otp.tasks.sms_deliver_task", args=[1], status=status, **fields
    )


def retry(client, *entries):
    return client.post(
        LIST_URL, {"action": "retry", "_selected_action": [e.pk for e in entries]}, follow=True
    )


def test_operators_see_failed_entries_and_give_them_a_new_start(admin_client_only):
    failed = entry(OutboxEntry.Status.FAILED, attempts=10, last_error="publish: OperationalError")
    done = entry(OutboxEntry.Status.DONE, attempts=1)
    page = admin_client_only.get(LIST_URL + "?status=failed").content.decode()
    assert "publish: OperationalError" in page

    response = retry(admin_client_only, failed, done)

    assert "1 个任务将在一分钟内重新执行。" in response.content.decode()
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (OutboxEntry.Status.PENDING, 0, "")
    assert done.status == OutboxEntry.Status.DONE


def test_staff_who_may_only_view_entries_cannot_retry_them(client):
    viewer = StaffFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxentry"))
    failed = entry(OutboxEntry.Status.FAILED, attempts=10)
    staff = staff_session(client, viewer)

    assert staff.get(LIST_URL).status_code == 200
    retry(staff, failed)

    failed.refresh_from_db()
    assert failed.status == OutboxEntry.Status.FAILED


def test_entries_cannot_be_added_changed_or_deleted(admin_client_only):
    failed = entry(OutboxEntry.Status.FAILED)
    assert admin_client_only.get(LIST_URL + "add/").status_code == 403
    assert admin_client_only.post(f"{LIST_URL}{failed.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboxEntry.objects.filter(pk=failed.pk).exists()
