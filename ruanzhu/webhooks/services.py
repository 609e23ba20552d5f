"""Registering addresses, queuing events in the transaction of the change, and delivering them with retries."""

import http.client
import json
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.errors import ApplicationError
from ruanzhu.core.outbox import outbox_enqueue, outbox_entry_done
from ruanzhu.filings.access import Purpose, may
from ruanzhu.filings.models import Filing, FilingEvent
from ruanzhu.webhooks.http import AddressRefused, address_check, post_event
from ruanzhu.webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

FILING_STATUS_CHANGED = "filing.status_changed"
SECRET_PREFIX = "whsec_"  # noqa: S105  (a label, not a secret)
DUE_BATCH = 500


class WebhookError(ApplicationError):
    """An action on webhooks that is not possible; ``message`` is shown to the user."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# --- Endpoints ----------------------------------------------------------------------------------------------------


@transaction.atomic
def endpoint_create(*, owner, url: str, description: str = "") -> WebhookEndpoint:
    """Register ``url`` for ``owner`` with a new secret (shown to the owner once, by the caller)."""
    try:
        address_check(url)
    except AddressRefused as error:
        raise WebhookError(error.message) from None
    # The owner's row serialises concurrent registrations, so the cap holds.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    endpoints = WebhookEndpoint.objects.filter(owner=owner)
    if endpoints.filter(url=url).exists():
        raise WebhookError(_("该推送地址已经登记过。"))
    if endpoints.count() >= settings.WEBHOOK_ENDPOINTS_PER_ACCOUNT:
        raise WebhookError(
            _("每个账户最多登记%(count)d个推送地址。") % {"count": settings.WEBHOOK_ENDPOINTS_PER_ACCOUNT}
        )
    return WebhookEndpoint.objects.create(owner=owner, url=url, description=description, secret=new_secret())


def endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Enable or disable an endpoint: a disabled one is sent no new events (its retries stop too)."""
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    endpoint.delete()


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret: deliveries from now on, retries included, are signed with it."""
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return endpoint


# --- Events -------------------------------------------------------------------------------------------------------


def _filing_payload(*, event: FilingEvent, filing: Filing, event_id: str) -> dict:
    # What the filer already sees on the filing's page; no names, numbers or notes of people.
    return {
        "id": event_id,
        "type": FILING_STATUS_CHANGED,
        "created_at": event.created_at.isoformat(),
        "data": {
            "filing": {
                "id": filing.pk,
                "service": filing.service,
                "flow_number": filing.flow_number or None,
                "url": settings.SITE_URL + reverse("filings:detail", args=[filing.pk]),
            },
            "from_status": event.from_status or None,
            "to_status": event.to_status,
            "at": event.created_at.isoformat(),
        },
    }


def filing_event_queue(*, event: FilingEvent) -> list[WebhookDelivery]:
    """Queue the event for the active endpoints of the filing's filer, in the transaction that recorded it.

    The filer is who files (the applicant filing itself, or its agent); an agent hears only while it may see the
    filing, under a mandate in force.
    """
    filing = event.filing
    endpoints = list(WebhookEndpoint.objects.filter(owner_id=filing.filer_id, is_active=True))
    if not endpoints or not may(filing.filer, filing, Purpose.VIEW):
        return []
    event_id = str(uuid.uuid4())
    payload = _filing_payload(event=event, filing=filing, event_id=event_id)
    now = timezone.now()
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=FILING_STATUS_CHANGED,
            filing=filing,
            payload=payload,
            next_attempt_at=now,
        )
        _queue_attempt(delivery)
        deliveries.append(delivery)
    return deliveries


def _queue_attempt(delivery: WebhookDelivery) -> None:
    from ruanzhu.webhooks.tasks import webhook_deliver_task  # tasks import this module

    outbox_enqueue(task=webhook_deliver_task, kwargs={"delivery_id": delivery.pk})


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivered or failed event again, as a new delivery with the same event id and payload."""
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise WebhookError(_("该事件正在发送，请等待结果后再重新发送。"))
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if not endpoint.is_active:
        raise WebhookError(_("推送地址已停用，请先启用。"))
    copy = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        filing_id=delivery.filing_id,
        payload=delivery.payload,
        next_attempt_at=timezone.now(),
    )
    _queue_attempt(copy)
    return copy


# --- Delivery -----------------------------------------------------------------------------------------------------


def retry_delays() -> list[timedelta]:
    return [timedelta(seconds=seconds) for seconds in settings.WEBHOOK_RETRY_DELAYS]


def _claim(*, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt; None when it is not due, done, or its endpoint is disabled."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None or not delivery.endpoint.is_active:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return None
        # While the request is under way nobody else takes it; a worker that dies mid-request leaves it due
        # again once this lease is over.
        delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def delivery_attempt(
    *, delivery_id: int, now: datetime | None = None, outbox_entry: int | None = None
) -> WebhookDelivery | None:
    """Make one attempt at a due delivery and record its outcome; schedule the next one or give up."""
    now = now or timezone.now()
    delivery = _claim(delivery_id=delivery_id, now=now)
    if delivery is None:
        with transaction.atomic():
            outbox_entry_done(entry_id=outbox_entry)
        return None
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    status, excerpt, error = None, "", ""
    try:
        answer = post_event(
            url=delivery.endpoint.url,
            body=body,
            secret=delivery.endpoint.secret,
            event_id=str(delivery.event_id),
            event_type=delivery.event_type,
            timestamp=int(now.timestamp()),
        )
        status, excerpt = answer.status, answer.excerpt
    except AddressRefused as refusal:
        error = refusal.message
    except TimeoutError:
        error = _("超时未响应")
    except (OSError, http.client.HTTPException) as failure:
        # The error's type only: its text may quote the answer.
        error = _("连接失败：%(error)s") % {"error": type(failure).__name__}
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_status = status
        delivery.response_excerpt = excerpt
        delivery.last_error = error[:200]
        delays = retry_delays()
        if status is not None and 200 <= status < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.attempts > len(delays):
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + delays[delivery.attempts - 1]
        delivery.save()
        outbox_entry_done(entry_id=outbox_entry)
    logger.info(
        "webhook delivery attempt: delivery=%s attempt=%s status=%s outcome=%s",
        delivery.pk,
        delivery.attempts,
        status or "-",
        delivery.status,
    )
    return delivery


def deliveries_due(*, now: datetime | None = None) -> list[int]:
    """Return the ids of the pending deliveries whose next attempt is due (active endpoints only)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:DUE_BATCH]
    )


def deliveries_purge(*, now: datetime | None = None) -> int:
    """Delete delivered and failed deliveries older than ``WEBHOOK_KEEP_DAYS``; return how many."""
    now = now or timezone.now()
    deleted, _by_model = WebhookDelivery.objects.filter(
        status__in=[WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED],
        created_at__lt=now - timedelta(days=settings.WEBHOOK_KEEP_DAYS),
    ).delete()
    return deleted
