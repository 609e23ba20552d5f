"""Delivery through a real Celery worker on Redis, as in production."""

import time

import pytest

from ruanzhu.core.models import OutboxEntry
from ruanzhu.webhooks.models import WebhookDelivery
from ruanzhu.webhooks.tasks import webhook_deliver_task
from tests.celery_worker import worker_on_redis
from tests.webhooks.conftest import change_status, endpoint_for


@pytest.fixture
def redis_url(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: runs in the PostgreSQL+Redis CI pass")
    return settings.REDIS_URL


def wait_for_delivery(*, timeout: float = 15) -> WebhookDelivery | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).first()
        if delivery is not None:
            return delivery
        time.sleep(0.05)
    return None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_delivers_the_event_after_commit(redis_url, agent, agent_filing, receiver, local_delivery):
    endpoint_for(agent, receiver.url)
    with worker_on_redis(redis_url, [webhook_deliver_task]):
        change_status(agent_filing, by=agent)
        delivery = wait_for_delivery()

    assert delivery is not None and delivery.attempts == 1 and delivery.response_status == 200
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["Ruanzhu-Event-Id"] == str(delivery.event_id)
    assert OutboxEntry.objects.get(task=webhook_deliver_task.name).status == OutboxEntry.Status.DONE
