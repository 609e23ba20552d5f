"""Delivery through a real Celery worker on Redis, as in production."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import OperationalError, connections

from config.celery import app
from ruanzhu.otp.models import Purpose, SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox
from ruanzhu.otp.services import code_send, code_verify
from ruanzhu.otp.tasks import sms_deliver_task


@pytest.fixture
def redis_url(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: runs in the PostgreSQL+Redis CI pass")
    return settings.REDIS_URL


@pytest.fixture
def celery_worker_on_redis(redis_url):
    """Run a worker thread on Redis, on a queue of its own so that no other worker takes our task."""
    queue = f"otp-test-{uuid.uuid4().hex}"
    saved = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "task_routes": app.conf.task_routes,
    }
    app.conf.broker_url = redis_url
    app.conf.task_always_eager = False
    app.conf.task_routes = {sms_deliver_task.name: {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)

    def close_worker_connections(**kwargs):
        # The task ran in the worker's thread: let go of its database connection before the test database
        # is flushed.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=10) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_worker_connections)
        for name, value in saved.items():
            setattr(app.conf, name, value)
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)


def wait_for_status(message_id: int, *, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        try:
            status = SmsMessage.objects.get(pk=message_id).status
        except OperationalError:
            status = ""
        if status and status != SmsMessage.Status.QUEUED:
            return status
        time.sleep(0.05)
    return status


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_code_is_delivered_by_a_celery_worker_after_commit(celery_worker_on_redis, phone):
    code_send(phone=phone, purpose=Purpose.SIGNUP)
    message = SmsMessage.objects.get()

    assert wait_for_status(message.pk) == SmsMessage.Status.SENT
    code_verify(phone=phone, purpose=Purpose.SIGNUP, code=latest_code_in_outbox(phone))
