"""Prometheus metrics: counted by view, exposed to the scraper only, task outcomes, backlogs and multi-process."""

import subprocess
import sys
import uuid

import pytest
import redis
from django.urls import reverse
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app
from ruanzhu.core import metrics
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.services import code_send

LOGIN = reverse("accounts:login")


@app.task(name="tests.core.metrics_failing")
def failing_task() -> None:
    raise ValueError("the task failed")


@app.task(name="tests.core.metrics_succeeding")
def succeeding_task() -> None:
    return None


@app.task(bind=True, name="tests.core.metrics_retrying")
def retrying_task(self) -> None:
    if not self.request.retries:
        raise self.retry(countdown=0, max_retries=1)


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client, **extra):
    return client.get("/metrics", **extra)


def families(response) -> dict:
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


# --- Requests --------------------------------------------------------------------------------------------------


def test_a_page_request_is_counted_under_its_view(client, db):
    labels = {"view": "accounts:login", "method": "GET", "status": "200"}
    before = sample("ruanzhu_http_requests_total", **labels)
    latency_before = sample("ruanzhu_http_request_duration_seconds_count", view="accounts:login")
    queries_before = sample("ruanzhu_http_db_queries_total", view="accounts:login")

    assert client.get(LOGIN).status_code == 200

    assert sample("ruanzhu_http_requests_total", **labels) == before + 1
    assert sample("ruanzhu_http_request_duration_seconds_count", view="accounts:login") == latency_before + 1
    assert sample("ruanzhu_http_db_queries_total", view="accounts:login") >= queries_before


def test_an_unknown_path_is_counted_without_its_path(client, db):
    path = f"/no-such-page-{uuid.uuid4().hex}/"
    before = sample("ruanzhu_http_requests_total", view=metrics.NO_VIEW, method="GET", status="404")
    assert client.get(path).status_code == 404
    assert (
        sample("ruanzhu_http_requests_total", view=metrics.NO_VIEW, method="GET", status="404") == before + 1
    )
    assert path.strip("/") not in scrape(client).content.decode()


def test_an_odd_method_is_counted_as_other(client, db):
    before = sample("ruanzhu_http_requests_total", view="accounts:login", method="other", status="405")
    client.generic("BREW", LOGIN)
    after = sample("ruanzhu_http_requests_total", view="accounts:login", method="other", status="405")
    assert after == before + 1


# --- The endpoint ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_scraper_gets_every_metric_family_in_a_parsable_exposition(client):
    client.get(LOGIN)
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    found = families(response)
    for name in (
        "ruanzhu_http_requests",
        "ruanzhu_http_request_duration_seconds",
        "ruanzhu_http_db_queries",
        "ruanzhu_celery_tasks",
        "ruanzhu_celery_task_duration_seconds",
        "ruanzhu_login_throttle_wait_seconds",
        "ruanzhu_sms_messages",
        "ruanzhu_outbox_entries",
    ):
        assert name in found, name
    assert found["ruanzhu_http_requests"].type == "counter"
    assert found["ruanzhu_http_request_duration_seconds"].type == "histogram"


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        # A client writing the scraper's address into X-Forwarded-For.
        {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "127.0.0.1"},
        # A request through a proxy on the same host: the connection is local, the client is not.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.9"},
        {"REMOTE_ADDR": "not an address"},
    ],
)
def test_metrics_are_404_for_anyone_but_a_direct_allowed_address(client, settings, extra, db):
    settings.PROXY_COUNT = 1
    response = scrape(client, **extra)
    assert response.status_code == 404
    assert b"ruanzhu_" not in response.content


def test_an_allowed_network_may_scrape(client, settings, db):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == 404


def test_metrics_refuse_a_post_from_the_scraper(client, db):
    assert client.post("/metrics").status_code == 405


# --- Celery ------------------------------------------------------------------------------------------------------


def test_a_task_failure_is_counted_for_its_task():
    labels = {"task": "tests.core.metrics_failing", "outcome": "failed"}
    before = sample("ruanzhu_celery_tasks_total", **labels)
    result = failing_task.apply(throw=False)
    assert isinstance(result.result, ValueError)
    assert sample("ruanzhu_celery_tasks_total", **labels) == before + 1
    assert sample("ruanzhu_celery_tasks_total", task="tests.core.metrics_failing", outcome="succeeded") == 0


def test_a_task_success_and_its_duration_are_counted():
    before = sample("ruanzhu_celery_tasks_total", task="tests.core.metrics_succeeding", outcome="succeeded")
    runs = sample("ruanzhu_celery_task_duration_seconds_count", task="tests.core.metrics_succeeding")
    succeeding_task.apply()
    after = sample("ruanzhu_celery_tasks_total", task="tests.core.metrics_succeeding", outcome="succeeded")
    assert after == before + 1
    assert (
        sample("ruanzhu_celery_task_duration_seconds_count", task="tests.core.metrics_succeeding") == runs + 1
    )


def test_a_task_retry_is_counted_and_then_its_success():
    retried = sample("ruanzhu_celery_tasks_total", task="tests.core.metrics_retrying", outcome="retried")
    succeeded = sample("ruanzhu_celery_tasks_total", task="tests.core.metrics_retrying", outcome="succeeded")
    retrying_task.apply(throw=False)
    after = sample("ruanzhu_celery_tasks_total", task="tests.core.metrics_retrying", outcome="retried")
    assert after == retried + 1
    after = sample("ruanzhu_celery_tasks_total", task="tests.core.metrics_retrying", outcome="succeeded")
    assert after == succeeded + 1


# --- What the code reports -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_delivered_sms_is_counted_as_sent(django_capture_on_commit_callbacks):
    before = sample("ruanzhu_sms_messages_total", status="sent")
    with django_capture_on_commit_callbacks(execute=True):
        code_send(phone="+8613900000077", purpose=Purpose.SIGNUP)
    assert sample("ruanzhu_sms_messages_total", status="sent") == before + 1


def test_a_throttled_login_is_counted_with_its_wait(client, alice, settings):
    settings.LOGIN_THROTTLE_AFTER = 1
    before = sample("ruanzhu_login_throttle_wait_seconds_count")
    waited = sample("ruanzhu_login_throttle_wait_seconds_sum")
    for _attempt in range(2):
        client.post(LOGIN, {"identifier": "alice", "password": "wrong-password-here", "tab": "individual"})
    assert sample("ruanzhu_login_throttle_wait_seconds_count") == before + 1
    assert sample("ruanzhu_login_throttle_wait_seconds_sum") >= waited + 1


# --- Backlogs --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_outbox_entries_are_counted_by_status(client):
    from django.apps import apps

    entry = apps.get_model("core", "OutboxEntry")
    entry.objects.create(task="ruanzhu.accounts.tasks.login_throttles_purge_task")
    entry.objects.create(task="ruanzhu.accounts.tasks.login_throttles_purge_task", status=entry.Status.FAILED)
    entry.objects.create(task="ruanzhu.accounts.tasks.login_throttles_purge_task", status=entry.Status.DONE)
    outbox = families(scrape(client))["ruanzhu_outbox_entries"]
    assert {sample.labels["status"]: sample.value for sample in outbox.samples} == {"pending": 1, "failed": 1}


@pytest.fixture
def broker_on_redis(settings):
    """Point the Celery app at Redis, with a default queue of the test's own."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: runs in the PostgreSQL+Redis CI pass")
    queue = f"metrics-test-{uuid.uuid4().hex}"
    names = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {name: getattr(app.conf, name) for name in names}
    app.conf.broker_url = settings.REDIS_URL
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        yield client, queue
    finally:
        client.delete(queue)
        client.close()
        for name, value in saved.items():
            setattr(app.conf, name, value)


@pytest.mark.redis
@pytest.mark.django_db
def test_queue_length_is_read_from_the_redis_list(client, broker_on_redis):
    redis_client, queue = broker_on_redis
    assert metrics.celery_queue_lengths()[queue] == 0
    redis_client.lpush(queue, "one", "two", "three")
    assert metrics.celery_queue_lengths()[queue] == 3
    lengths = families(scrape(client))["ruanzhu_celery_queue_length"]
    assert {sample.labels["queue"]: sample.value for sample in lengths.samples}[queue] == 3


# --- Several processes ---------------------------------------------------------------------------------------

WORKER_PROCESS = """
from prometheus_client import Counter
Counter("ruanzhu_http_requests", "", ["view", "method", "status"]).labels("accounts:login", "GET", "200").inc()
"""


def test_one_scrape_sums_the_samples_of_every_process(client, tmp_path, monkeypatch, db):
    for _process in range(2):
        subprocess.run(
            [sys.executable, "-c", WORKER_PROCESS],
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": ""},
            check=True,
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    requests = families(scrape(client))["ruanzhu_http_requests"]
    values = {
        (sample.labels["view"], sample.labels["status"]): sample.value
        for sample in requests.samples
        if sample.name == "ruanzhu_http_requests_total"
    }
    assert values == {("accounts:login", "200"): 2}
