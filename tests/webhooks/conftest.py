"""A real HTTP receiver on 127.0.0.1 and an agent's filing whose status the tests change."""

import http.server
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import TestCase

from config.celery import app
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services.agency import filing_create_for_client
from ruanzhu.filings.services.common import lock, move
from ruanzhu.filings.states import Status
from ruanzhu.webhooks.models import WebhookEndpoint
from ruanzhu.webhooks.services import new_secret
from tests.factories import MandateFactory


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """What the test server answers, and what it was sent."""

    url: str
    status: int = 200
    delay: float = 0.0
    answer: bytes = b'{"ok":true}'
    requests: list[Received] = field(default_factory=list)


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Run tasks in-process even when REDIS_URL names a broker; the worker test starts its own worker."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def receiver():
    """An HTTP server thread on 127.0.0.1 that records every POST and answers as the test tells it."""
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            if state.delay:
                time.sleep(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Length", str(len(state.answer)))
                self.end_headers()
                self.wfile.write(state.answer)
            except OSError:
                pass  # the client gave up (a timeout test)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/ruanzhu"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_delivery(settings):
    """Let deliveries go to the test server: http:// and loopback, as only tests and development allow."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    return settings


@pytest.fixture
def client_of_agent(agent, verified_alice):
    """alice, who gave ``agent`` a mandate for R11 in force today."""
    MandateFactory(agent=agent, client=verified_alice, services=["R11"])
    return verified_alice


@pytest.fixture
def agent_filing(agent, client_of_agent) -> Filing:
    """A draft that ``agent`` files for its client."""
    return filing_create_for_client(service="R11", agent=agent, client=client_of_agent)


def endpoint_for(owner, url: str, **kwargs) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(owner=owner, url=url, secret=new_secret(), **kwargs)


def change_status(filing: Filing, to_status: str = Status.AWAITING_CODES, *, by) -> Filing:
    """Move the filing through the engine in one transaction and run what its commit triggers."""
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        filing = lock(filing)
        move(filing, to_status, by=by)
        filing.save()
    return filing
