"""Events of an agent's filings: queued in the transaction of the change, signed, delivered, retried."""

import hashlib
import hmac
import json
import socket
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ruanzhu.agents.models import Mandate
from ruanzhu.core.models import OutboxEntry
from ruanzhu.filings.models import FilingEvent
from ruanzhu.filings.services.agency import filing_create_for_client
from ruanzhu.filings.services.common import lock, move
from ruanzhu.filings.services.drafts import filing_create
from ruanzhu.filings.states import Status
from ruanzhu.webhooks import tasks
from ruanzhu.webhooks.models import WebhookDelivery
from ruanzhu.webhooks.services import (
    deliveries_due,
    deliveries_purge,
    delivery_attempt,
    delivery_resend,
    endpoint_rotate_secret,
    filing_event_queue,
)
from tests.factories import MandateFactory
from tests.webhooks.conftest import change_status, endpoint_for

pytestmark = pytest.mark.django_db


def verify(secret: str, headers: dict, body: bytes) -> int:
    """Check the signature as a receiver would; return its timestamp."""
    parts = dict(item.split("=", 1) for item in headers["Ruanzhu-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    return int(parts["t"])


def test_a_status_change_queues_one_delivery_in_its_transaction(agent, agent_filing):
    endpoint = endpoint_for(agent, "https://hooks.example.com/ruanzhu")
    with transaction.atomic():
        filing = lock(agent_filing)
        move(filing, Status.AWAITING_CODES, by=agent)
        filing.save()
        delivery = WebhookDelivery.objects.get()
        entry = OutboxEntry.objects.get(task=tasks.webhook_deliver_task.name)
        # Queued, not sent: the attempt is published once the change commits.
        assert delivery.endpoint == endpoint and delivery.attempts == 0
        assert entry.kwargs == {"delivery_id": delivery.pk}
    assert delivery.payload["type"] == "filing.status_changed"
    assert delivery.payload["data"]["from_status"] == Status.DRAFT
    assert delivery.payload["data"]["to_status"] == Status.AWAITING_CODES
    assert delivery.payload["data"]["filing"]["id"] == agent_filing.pk
    assert delivery.payload["id"] == str(delivery.event_id)


def test_a_rolled_back_change_queues_nothing(agent, agent_filing):
    endpoint_for(agent, "https://hooks.example.com/ruanzhu")
    with pytest.raises(RuntimeError), transaction.atomic():
        filing = lock(agent_filing)
        move(filing, Status.AWAITING_CODES, by=agent)
        filing.save()
        raise RuntimeError("the change fails after the event was recorded")
    assert not WebhookDelivery.objects.exists()
    assert not OutboxEntry.objects.filter(task=tasks.webhook_deliver_task.name).exists()


def test_the_event_reaches_a_real_server_signed(agent, agent_filing, receiver, local_delivery):
    endpoint = endpoint_for(agent, receiver.url)
    before = int(timezone.now().timestamp())

    change_status(agent_filing, by=agent)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.response_status) == (1, 200)
    assert delivery.response_excerpt == '{"ok":true}'
    assert delivery.next_attempt_at is None
    [request] = receiver.requests
    assert request.path == "/hooks/ruanzhu"
    timestamp = verify(endpoint.secret, request.headers, request.body)
    assert before <= timestamp <= int(timezone.now().timestamp())
    assert request.headers["Ruanzhu-Event-Id"] == str(delivery.event_id)
    assert request.headers["Ruanzhu-Event-Type"] == "filing.status_changed"
    payload = json.loads(request.body)
    assert payload == delivery.payload
    # What the agent already sees: no names, ID numbers or phone numbers of the client.
    assert set(payload["data"]["filing"]) == {"id", "service", "flow_number", "url"}
    assert agent_filing.applicant.username not in request.body.decode()
    # The outbox entry of the attempt is settled.
    assert OutboxEntry.objects.get(task=tasks.webhook_deliver_task.name).status == OutboxEntry.Status.DONE


def test_a_forged_signature_does_not_verify(agent, agent_filing, receiver, local_delivery):
    endpoint_for(agent, receiver.url)
    change_status(agent_filing, by=agent)
    [request] = receiver.requests
    with pytest.raises(AssertionError):
        verify("whsec_another", request.headers, request.body)
    with pytest.raises(AssertionError):
        verify(agent.webhook_endpoints.get().secret, request.headers, request.body + b" ")


def test_a_server_error_is_retried_with_growing_delays_then_failed(
    agent, agent_filing, receiver, local_delivery
):
    receiver.status = 500
    receiver.answer = b"internal error " * 100
    endpoint_for(agent, receiver.url)
    start = timezone.now()
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert (delivery.attempts, delivery.response_status) == (1, 500)
    assert len(delivery.response_excerpt) == 500
    first = delivery.last_attempt_at
    assert start <= first and delivery.next_attempt_at == first + timedelta(minutes=1)

    # Not due yet: nothing happens.
    assert delivery_attempt(delivery_id=delivery.pk, now=first + timedelta(seconds=59)) is None
    assert deliveries_due(now=first + timedelta(seconds=59)) == []

    now = first
    expected = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12)]
    for attempt, delay in enumerate(expected, start=2):
        now = delivery.next_attempt_at
        assert deliveries_due(now=now) == [delivery.pk]
        delivery = delivery_attempt(delivery_id=delivery.pk, now=now)
        assert delivery.attempts == attempt and delivery.status == WebhookDelivery.Status.PENDING
        assert delivery.next_attempt_at == now + delay

    delivery = delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.attempts == 6 and delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 6
    assert deliveries_due(now=now + timedelta(days=30)) == []


def test_a_timeout_is_recorded_and_retried(agent, agent_filing, receiver, local_delivery):
    receiver.delay = 1.5  # longer than WEBHOOK_TIMEOUT_SECONDS (1)
    endpoint_for(agent, receiver.url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1 and delivery.response_status is None
    assert delivery.last_error == "超时未响应"
    assert delivery.next_attempt_at == delivery.last_attempt_at + timedelta(minutes=1)


def test_the_due_task_delivers_a_retry(agent, agent_filing, receiver, local_delivery):
    receiver.status = 503
    endpoint_for(agent, receiver.url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    receiver.status = 204
    assert tasks.webhook_deliveries_due_task.apply().get() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 2
    assert delivery.response_status == 204


def test_a_redirect_is_not_followed(agent, agent_filing, receiver, local_delivery):
    receiver.status = 302
    endpoint_for(agent, receiver.url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.response_status == 302
    assert len(receiver.requests) == 1


def test_resend_sends_the_same_event_again(agent, agent_filing, receiver, local_delivery):
    endpoint = endpoint_for(agent, receiver.url)
    change_status(agent_filing, by=agent)
    first = WebhookDelivery.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        copy = delivery_resend(delivery=first)
    copy.refresh_from_db()
    assert copy.status == WebhookDelivery.Status.DELIVERED and copy.pk != first.pk
    assert copy.event_id == first.event_id and copy.payload == first.payload
    assert [request.headers["Ruanzhu-Event-Id"] for request in receiver.requests] == [str(first.event_id)] * 2
    verify(endpoint.secret, receiver.requests[1].headers, receiver.requests[1].body)


def test_a_rotated_secret_signs_the_next_deliveries(agent, agent_filing, receiver, local_delivery):
    endpoint = endpoint_for(agent, receiver.url)
    old_secret = endpoint.secret
    endpoint = endpoint_rotate_secret(endpoint=endpoint)
    assert endpoint.secret != old_secret
    change_status(agent_filing, by=agent)
    [request] = receiver.requests
    verify(endpoint.secret, request.headers, request.body)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
    ],
)
def test_private_addresses_are_refused_at_delivery(agent, agent_filing, url):
    endpoint_for(agent, url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.response_status is None
    assert delivery.last_error == "推送地址必须是公网地址，不能指向本机或内部网络。"


def test_a_name_that_resolves_to_loopback_is_refused(agent, agent_filing, receiver, settings, monkeypatch):
    # A public-looking name whose DNS answer is the loopback address (the receiver): refused, nothing sent.
    settings.WEBHOOK_ALLOW_HTTP = True
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *args, **kwargs: (
            real("127.0.0.1", *args, **kwargs) if host == "hooks.example.com" else real(host, *args, **kwargs)
        ),
    )
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint_for(agent, f"http://hooks.example.com:{port}/hooks/ruanzhu")
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error == "推送地址必须是公网地址，不能指向本机或内部网络。"
    assert receiver.requests == []


def test_an_http_address_is_refused_at_delivery_unless_allowed(agent, agent_filing, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    endpoint_for(agent, receiver.url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error == "推送地址必须以 https:// 开头。"
    assert receiver.requests == []


def test_filings_of_other_agents_send_nothing(
    agent, other_agent, agent_filing, verified_carol, receiver, local_delivery
):
    endpoint_for(other_agent, receiver.url)
    MandateFactory(agent=other_agent, client=verified_carol, services=["R11"])
    theirs = filing_create_for_client(service="R11", agent=other_agent, client=verified_carol)

    change_status(agent_filing, by=agent)
    assert not WebhookDelivery.objects.exists()

    change_status(theirs, by=other_agent)
    assert WebhookDelivery.objects.get().endpoint.owner == other_agent


def test_the_client_of_an_agent_filing_gets_no_event(agent, agent_filing, receiver, local_delivery):
    # The filer hears of the filing; its client follows it on the portal.
    endpoint_for(agent_filing.applicant, receiver.url)
    change_status(agent_filing, by=agent)
    assert not WebhookDelivery.objects.exists()


def test_an_applicant_filing_itself_gets_its_events(verified_alice, receiver, local_delivery):
    filing = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    endpoint_for(verified_alice, receiver.url)
    change_status(filing, by=verified_alice)
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


def test_a_lapsed_mandate_stops_the_events(agent, agent_filing, receiver, local_delivery):
    endpoint_for(agent, receiver.url)
    Mandate.objects.filter(agent=agent).update(status=Mandate.Status.REVOKED)
    change_status(agent_filing, by=agent)
    assert not WebhookDelivery.objects.exists()


def test_a_disabled_endpoint_gets_nothing_and_its_retries_stop(agent, agent_filing, receiver, local_delivery):
    receiver.status = 500
    endpoint = endpoint_for(agent, receiver.url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    endpoint.is_active = False
    endpoint.save()
    assert deliveries_due(now=delivery.next_attempt_at) == []
    assert delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) is None
    change_status(lock_free(agent_filing), Status.DRAFT, by=agent)
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def lock_free(filing):
    filing.refresh_from_db()
    return filing


def test_each_active_endpoint_gets_the_event_under_one_id(agent, agent_filing, receiver, local_delivery):
    endpoint_for(agent, receiver.url)
    endpoint_for(agent, receiver.url + "/second")
    change_status(agent_filing, by=agent)
    deliveries = list(WebhookDelivery.objects.all())
    assert len(deliveries) == 2 and len({delivery.event_id for delivery in deliveries}) == 1
    assert len(receiver.requests) == 2


def test_old_finished_deliveries_are_purged_pending_ones_stay(agent, settings):
    settings.WEBHOOK_KEEP_DAYS = 30
    endpoint = endpoint_for(agent, "https://hooks.example.com/ruanzhu")
    old = timezone.now() - timedelta(days=31)
    kept = {
        WebhookDelivery.objects.create(
            endpoint=endpoint, event_type="x", status=status, created_at=created
        ).pk
        for status, created in (
            (WebhookDelivery.Status.PENDING, old),
            (WebhookDelivery.Status.FAILED, timezone.now() - timedelta(days=29)),
        )
    }
    for status in (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED):
        WebhookDelivery.objects.create(endpoint=endpoint, event_type="x", status=status, created_at=old)
    assert deliveries_purge() == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == kept


def test_a_filer_without_endpoints_costs_one_query_per_change(agent, agent_filing):
    change_status(agent_filing, by=agent)
    event = FilingEvent.objects.select_related("filing").get()
    with CaptureQueriesContext(connection) as queries:
        assert filing_event_queue(event=event) == []
    assert len(queries) == 1
