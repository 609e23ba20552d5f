"""The request id: taken from the proxy when sane, made otherwise, returned, and carried into Celery tasks."""

import logging
import re
import threading
import uuid

import pytest
from django.http import HttpResponse

from config.celery import app
from ruanzhu.core.logs import RequestContextFilter
from ruanzhu.core.requestid import (
    RequestIdMiddleware,
    current_request_id,
    publish_headers,
)
from tests.celery_worker import worker_on_redis as redis_worker

probe_logger = logging.getLogger("tests.core.requestid_probe")


@app.task(name="tests.core.requestid_probe")
def requestid_probe_task(marker: str) -> None:
    probe_logger.info("probe ran: marker=%s", marker)


class RecordList(logging.Handler):
    """Keep the records of ``probe_logger`` stamped by the request-context filter, as the console handler is."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestContextFilter())
        self.records: list[logging.LogRecord] = []
        self.arrived = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.arrived.set()


@pytest.fixture
def probe_records():
    handler = RecordList()
    probe_logger.addHandler(handler)
    probe_logger.setLevel(logging.DEBUG)
    yield handler
    probe_logger.removeHandler(handler)


def through_middleware(rf, view, **headers):
    """Run ``view`` behind the middleware, as a request with ``headers``; return (response, id seen by the view)."""
    seen = {}

    def get_response(request):
        seen["id"] = current_request_id()
        view()
        return HttpResponse("ok")

    response = RequestIdMiddleware(get_response)(rf.get("/", **headers))
    return response, seen["id"]


def test_a_request_without_an_id_gets_a_fresh_one_in_the_response(rf):
    first, seen = through_middleware(rf, lambda: None)
    second, _seen = through_middleware(rf, lambda: None)
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert seen == first["X-Request-ID"]
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_id_from_the_proxy_is_kept(rf):
    response, seen = through_middleware(rf, lambda: None, HTTP_X_REQUEST_ID="req-From_nginx-0123")
    assert response["X-Request-ID"] == seen == "req-From_nginx-0123"


@pytest.mark.parametrize(
    "value",
    ["short", "x" * 65, "abc def ghi", "abcdefgh\n{json}", "13800138000<script>", "ab/cdefgh"],
)
def test_an_unsafe_id_from_the_proxy_is_replaced(rf, value):
    response, seen = through_middleware(rf, lambda: None, HTTP_X_REQUEST_ID=value)
    assert response["X-Request-ID"] == seen != value
    assert re.fullmatch(r"[0-9a-f]{32}", seen)


def test_the_id_is_gone_after_the_request(rf):
    through_middleware(rf, lambda: None)
    assert current_request_id() == ""


def test_publish_headers_carry_only_a_sane_id():
    assert publish_headers("abcdef0123456789") == {"request_id": "abcdef0123456789"}
    assert publish_headers("") == {}
    assert publish_headers("bad id with spaces") == {}


def test_a_task_run_in_process_logs_the_request_id(rf, probe_records):
    response, _seen = through_middleware(rf, lambda: requestid_probe_task.apply(args=["eager"]))
    (record,) = probe_records.records
    assert record.request_id == response["X-Request-ID"]
    assert record.task_name == "tests.core.requestid_probe"
    assert record.task_id


def test_a_task_given_an_id_in_its_headers_logs_that_id(probe_records):
    requestid_probe_task.apply(args=["headers"], headers=publish_headers("from-the-outbox-0001"))
    (record,) = probe_records.records
    assert record.request_id == "from-the-outbox-0001"
    assert current_request_id() == ""


# --- Through a real worker on Redis ----------------------------------------------------------------------------


@pytest.fixture
def worker_on_redis(settings):
    """A worker thread on Redis, on a queue of its own so that no other worker takes the probe."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: runs in the PostgreSQL+Redis CI pass")
    with redis_worker(settings.REDIS_URL, [requestid_probe_task]) as worker:
        yield worker


def probe_record(records: RecordList, marker: str) -> logging.LogRecord:
    assert records.arrived.wait(15), "the worker did not run the probe"
    (record,) = [record for record in records.records if marker in record.getMessage()]
    return record


@pytest.mark.redis
def test_the_id_of_a_request_reaches_the_log_records_of_the_task_it_queued(
    rf, worker_on_redis, probe_records
):
    marker = uuid.uuid4().hex
    response, _seen = through_middleware(rf, lambda: requestid_probe_task.delay(marker))
    record = probe_record(probe_records, marker)
    assert record.request_id == response["X-Request-ID"]
    assert record.task_name == "tests.core.requestid_probe"
    assert record.thread != threading.get_ident()


@pytest.mark.redis
def test_an_id_given_at_publish_reaches_the_worker_outside_any_request(worker_on_redis, probe_records):
    marker = uuid.uuid4().hex
    requestid_probe_task.apply_async(args=[marker], headers=publish_headers("relayed-request-0042"))
    assert probe_record(probe_records, marker).request_id == "relayed-request-0042"
