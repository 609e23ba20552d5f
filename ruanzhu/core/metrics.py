"""Prometheus metrics: requests per view, Celery task outcomes, queue backlogs, login throttling and SMS delivery.

Counted with prometheus_client. In production every process of a web instance (gunicorn workers) and of a
Celery worker (its pool processes) writes its samples to files under ``PROMETHEUS_MULTIPROC_DIR``, so that one
scrape sees them all; without the variable (development, tests) each process keeps its own.

- ``/metrics`` on a web instance is answered by ``MetricsMiddleware``, placed right after the health probes,
  only to a direct connection from an address in ``METRICS_ALLOWED_IPS``: a request that came through a proxy
  (it carries X-Forwarded-For, Forwarded or X-Real-IP) or from any other address gets 404. The backlog gauges
  (Celery queue lengths, outbox rows) are read at scrape time.
- A Celery worker serves its own samples on ``CELERY_METRICS_PORT`` (off unless set) once it is ready.

Labels are bounded: URL pattern names (never paths), HTTP methods, status codes, task names; never a user.
"""

import ipaddress
import logging
import os
import time
from contextlib import ExitStack

from celery.signals import task_failure, task_postrun, task_prerun, task_retry, task_success, worker_ready
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Headers a proxy adds: a request that carries one did not come straight from the scraper.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The view label of a response given before URL resolution (static files, redirects, refusals) or by no view.
NO_VIEW = "<none>"

HTTP_REQUESTS = Counter(
    "ruanzhu_http_requests",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
HTTP_DURATION = Histogram(
    "ruanzhu_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_DB_QUERIES = Counter(
    "ruanzhu_http_db_queries", "Database queries run while answering HTTP requests, by view.", ["view"]
)
CELERY_TASKS = Counter(
    "ruanzhu_celery_tasks",
    "Celery task runs, by task and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
CELERY_TASK_DURATION = Histogram(
    "ruanzhu_celery_task_duration_seconds",
    "Time a Celery task ran, by task.",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
LOGIN_THROTTLE_WAITS = Histogram(
    "ruanzhu_login_throttle_wait_seconds",
    "Login attempts refused because a key must wait, by the wait still to run.",
    buckets=(60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600),
)
SMS_MESSAGES = Counter(
    "ruanzhu_sms_messages", "SMS handed to the backend, by outcome (sent, failed, retrying).", ["status"]
)

# Start times of the tasks running in this process, by task id.
_task_started: dict[str, float] = {}


# --- Observations called from the code that knows --------------------------------------------------------------


def login_throttle_wait_observe(*, wait_seconds: int) -> None:
    """Count a login attempt refused by the throttle, with the wait it was told."""
    LOGIN_THROTTLE_WAITS.observe(wait_seconds)


def sms_outcome_observe(*, status: str) -> None:
    """Count one attempt to hand an SMS to the backend: ``sent``, ``failed`` or ``retrying``."""
    SMS_MESSAGES.labels(status=status).inc()


# --- Requests ------------------------------------------------------------------------------------------------


def _metrics_allowed(request: HttpRequest) -> bool:
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS
    )


class MetricsMiddleware:
    """Answer /metrics to the scraper (404 for anyone else) and count every other request by view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.rstrip("/") == METRICS_PATH:
            return metrics_response(request)
        queries = [0]

        def count_query(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(count_query))
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        view = match.view_name if match is not None else NO_VIEW
        method = request.method if request.method in METHODS else "other"
        HTTP_REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        HTTP_DURATION.labels(view=view).observe(elapsed)
        if queries[0]:
            HTTP_DB_QUERIES.labels(view=view).inc(queries[0])
        return response


def metrics_response(request: HttpRequest) -> HttpResponse:
    """Return the exposition to an allowed scraper; 404 to anyone else, as if nothing were there."""
    if not _metrics_allowed(request):
        return HttpResponse(status=404)
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response["Allow"] = "GET, HEAD"
        return response
    backlog = CollectorRegistry()
    backlog.register(BacklogCollector())
    response = HttpResponse(generate_latest(process_registry()) + generate_latest(backlog))
    response["Content-Type"] = CONTENT_TYPE_LATEST
    response["Cache-Control"] = "no-store"
    return response


def process_registry() -> CollectorRegistry:
    """Return the registry to expose: every process's samples in multi-process mode, else this process's."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


# --- Backlogs, read at scrape time -----------------------------------------------------------------------------


def celery_queue_names() -> list[str]:
    """Return the queues tasks are sent to: the default one and any named in the routes or queue list."""
    conf = celery_app.conf
    names = {conf.task_default_queue}
    routes = conf.task_routes
    if isinstance(routes, dict):
        names.update(
            route["queue"] for route in routes.values() if isinstance(route, dict) and "queue" in route
        )
    names.update(queue.name for queue in conf.task_queues or ())
    return sorted(names)


def celery_queue_lengths() -> dict[str, int]:
    """Return the number of messages waiting in each queue of the broker (a Redis list, or a queue elsewhere)."""
    from kombu.exceptions import ChannelError

    lengths = {}
    with celery_app.connection_for_read() as connection:
        channel = connection.default_channel
        for name in celery_queue_names():
            try:
                lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except ChannelError:
                # Redis drops an empty queue's list: nothing waits there.
                lengths[name] = 0
    return lengths


def outbox_counts() -> dict[str, int] | None:
    """Return the number of pending and failed outbox entries, or None where the outbox does not exist."""
    try:
        model = apps.get_model("core", "OutboxEntry")
    except LookupError:
        return None
    statuses = [model.Status.PENDING, model.Status.FAILED]
    counts = dict.fromkeys((str(status) for status in statuses), 0)
    rows = model.objects.filter(status__in=statuses).values("status").annotate(count=Count("pk"))
    counts.update({row["status"]: row["count"] for row in rows})
    return counts


class BacklogCollector:
    """Gauges read when scraped: Celery queue lengths and outbox entries by status."""

    def collect(self):
        if not celery_app.conf.task_always_eager:
            queues = GaugeMetricFamily(
                "ruanzhu_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
            )
            try:
                lengths = celery_queue_lengths()
            except Exception as exc:
                # The type only: a connection error's text may quote the broker URL and its password.
                logger.warning("celery queue lengths unreadable: %s", type(exc).__name__)
            else:
                for name, length in lengths.items():
                    queues.add_metric([name], length)
                yield queues
        try:
            counts = outbox_counts()
        except DatabaseError as exc:
            logger.warning("outbox counts unreadable: %s", type(exc).__name__)
            counts = None
        if counts is not None:
            outbox = GaugeMetricFamily(
                "ruanzhu_outbox_entries", "Outbox entries not done yet, by status.", labels=["status"]
            )
            for status, count in counts.items():
                outbox.add_metric([status], count)
            yield outbox


# --- Celery ----------------------------------------------------------------------------------------------------


@task_prerun.connect(dispatch_uid="ruanzhu.core.metrics.task_started")
def _task_started_at(task_id: str | None = None, **kwargs) -> None:
    if task_id is not None:
        _task_started[task_id] = time.perf_counter()


@task_postrun.connect(dispatch_uid="ruanzhu.core.metrics.task_ran")
def _task_ran(task_id: str | None = None, task=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    if started is not None and task is not None:
        CELERY_TASK_DURATION.labels(task=task.name).observe(time.perf_counter() - started)


@task_success.connect(dispatch_uid="ruanzhu.core.metrics.task_succeeded")
def _task_succeeded(sender=None, **kwargs) -> None:
    CELERY_TASKS.labels(task=sender.name, outcome="succeeded").inc()


@task_failure.connect(dispatch_uid="ruanzhu.core.metrics.task_failed")
def _task_failed(sender=None, **kwargs) -> None:
    CELERY_TASKS.labels(task=sender.name, outcome="failed").inc()


@task_retry.connect(dispatch_uid="ruanzhu.core.metrics.task_retried")
def _task_retried(sender=None, **kwargs) -> None:
    CELERY_TASKS.labels(task=sender.name, outcome="retried").inc()


@worker_ready.connect(dispatch_uid="ruanzhu.core.metrics.worker_serves_metrics")
def _worker_serves_metrics(**kwargs) -> None:
    """Serve the worker's samples (its pool processes' too, in multi-process mode) on CELERY_METRICS_PORT."""
    port = settings.CELERY_METRICS_PORT
    if port:
        start_http_server(port, addr=settings.CELERY_METRICS_ADDR, registry=process_registry())
        logger.info("celery metrics served on %s:%s", settings.CELERY_METRICS_ADDR, port)


# --- gunicorn hooks (deploy/gunicorn.conf.py) ------------------------------------------------------------------


def gunicorn_child_exit(server, worker) -> None:
    """gunicorn ``child_exit`` hook: let the samples of a gone worker's live gauges go."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)
