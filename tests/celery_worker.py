"""A real Celery worker thread on Redis for the tests that need one (marked to run with REDIS_URL)."""

import contextlib
import uuid
from collections.abc import Iterable, Iterator

from celery import Task
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery import app

_CONF = ("broker_url", "task_always_eager", "task_routes")


@contextlib.contextmanager
def worker_on_redis(redis_url: str, tasks: Iterable[Task]) -> Iterator:
    """Run a worker on Redis, on a queue of its own for ``tasks``, so that no other worker takes them."""
    queue = f"test-{uuid.uuid4().hex}"
    saved = {name: getattr(app.conf, name) for name in _CONF}
    app.conf.broker_url = redis_url
    app.conf.task_always_eager = False
    app.conf.task_routes = {task.name: {"queue": queue} for task in tasks}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)

    def close_worker_connections(**kwargs):
        # The task ran in the worker's thread: let go of its database connection before the test database is
        # flushed.
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
