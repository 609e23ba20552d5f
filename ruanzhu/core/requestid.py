"""The request id: one token that follows a request through the logs, into the Celery tasks it queues.

The id comes from the proxy's ``X-Request-ID`` header when it is a sane token, or is made here; it is held in a
context variable for the request, returned in the ``X-Request-ID`` response header and carried to tasks in a
message header of their own (``publish_headers``, or added on publish by ``before_task_publish``). A worker sets
it from that header for the task's run. Outside a request or task the id is "".
"""

import re
import uuid
from contextvars import ContextVar, Token

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# The Celery message header (and task request attribute) that carries the id.
TASK_HEADER = "request_id"
# What a proxy may hand us: anything else is replaced, so that no arbitrary input reaches the logs.
SANE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")

_request_id: ContextVar[str] = ContextVar("request_id", default="")
# Tokens of the ids set by task_prerun, by task id, so that task_postrun restores what was there before.
_task_tokens: dict[str, Token] = {}


def current_request_id() -> str:
    """Return the id of the request or task being handled, or "" outside one."""
    return _request_id.get()


def sane_request_id(value: str | None) -> str:
    """Return ``value`` when it is an acceptable request id, else ""."""
    return value if value and SANE_ID.fullmatch(value) else ""


def new_request_id() -> str:
    """Return a fresh request id."""
    return uuid.uuid4().hex


def publish_headers(request_id: str) -> dict:
    """Return the headers that carry ``request_id`` to a task: pass them as ``apply_async(headers=...)``."""
    request_id = sane_request_id(request_id)
    return {TASK_HEADER: request_id} if request_id else {}


class RequestIdMiddleware:
    """Give each request an id (the proxy's, when sane), hold it while the request runs and return it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = sane_request_id(request.META.get(META_KEY)) or new_request_id()
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = request_id
        return response


@before_task_publish.connect(dispatch_uid="ruanzhu.core.requestid.add_to_headers")
def _add_to_headers(headers: dict | None = None, **kwargs) -> None:
    """Carry the current id to the task unless the caller gave one."""
    request_id = current_request_id()
    if headers is not None and request_id and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


def _task_request_id(task) -> str:
    request = task.request
    value = getattr(request, TASK_HEADER, None) or (request.headers or {}).get(TASK_HEADER)
    return sane_request_id(value if isinstance(value, str) else None)


@task_prerun.connect(dispatch_uid="ruanzhu.core.requestid.set_for_task")
def _set_for_task(task_id: str | None = None, task=None, **kwargs) -> None:
    """Hold the task's id while it runs; a task run in-process (eager) keeps the caller's."""
    if task is None or task_id is None:
        return
    _task_tokens[task_id] = _request_id.set(_task_request_id(task) or current_request_id())


@task_postrun.connect(dispatch_uid="ruanzhu.core.requestid.reset_after_task")
def _reset_after_task(task_id: str | None = None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is None:
        return
    try:
        _request_id.reset(token)
    except ValueError:
        # Set in another context (a worker pool that switches contexts): leave nothing behind.
        _request_id.set("")
