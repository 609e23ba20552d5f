"""Reads of webhooks: an account sees and acts on its own endpoints and deliveries only."""

from django.db.models import QuerySet
from django.http import Http404

from ruanzhu.webhooks.models import WebhookDelivery, WebhookEndpoint

LOG_SIZE = 50


def endpoints_of(owner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(owner=owner).order_by("created_at", "id")


def endpoint_of(owner, *, pk: int) -> WebhookEndpoint:
    """Return the endpoint ``pk`` of ``owner``; 404 for anyone else's."""
    endpoint = WebhookEndpoint.objects.filter(owner=owner, pk=pk).first()
    if endpoint is None:
        raise Http404
    return endpoint


def delivery_log(owner, *, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    """Return the latest deliveries to ``owner``'s endpoints, newest first, with their endpoint and filing."""
    return list(
        WebhookDelivery.objects.filter(endpoint__owner=owner)
        .select_related("endpoint", "filing")
        .order_by("-created_at", "-id")[:limit]
    )


def delivery_of(owner, *, pk: int) -> WebhookDelivery:
    """Return the delivery ``pk`` to one of ``owner``'s endpoints; 404 for anyone else's."""
    delivery = WebhookDelivery.objects.filter(endpoint__owner=owner, pk=pk).select_related("endpoint").first()
    if delivery is None:
        raise Http404
    return delivery
