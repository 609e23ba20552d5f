"""事件推送: an account's webhook endpoints (add, disable, rotate the secret, delete) and its delivery log."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import applicant_required
from ruanzhu.webhooks import selectors, services
from ruanzhu.webhooks.forms import EndpointCreateForm
from ruanzhu.webhooks.http import SIGNATURE_HEADER
from ruanzhu.webhooks.models import WebhookEndpoint

TEMPLATE = "webhooks/page.html"


def _page(request, *, form=None, issued: WebhookEndpoint | None = None, status: int = 200):
    response = render(
        request,
        TEMPLATE,
        {
            "endpoints": list(selectors.endpoints_of(request.user)),
            "deliveries": selectors.delivery_log(request.user),
            "form": form or EndpointCreateForm(),
            "issued": issued,
            "signature_header": SIGNATURE_HEADER,
            "retry_count": len(settings.WEBHOOK_RETRY_DELAYS),
        },
        status=status,
    )
    if issued is not None:
        # The secret is on this page only: no cache may keep it.
        response["Cache-Control"] = "no-store"
    return response


@applicant_required
@require_GET
def webhooks_page(request):
    """The account's endpoints and the latest deliveries to them."""
    return _page(request)


@applicant_required
@require_POST
def endpoint_create(request):
    """Register an address; its secret is shown on the answer, this once."""
    form = EndpointCreateForm(request.POST)
    if form.is_valid():
        try:
            endpoint = services.endpoint_create(
                owner=request.user,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
            )
        except services.WebhookError as error:
            form.add_error(None, error.message)
        else:
            return _page(request, issued=endpoint)
    return _page(request, form=form, status=400)


@applicant_required
@require_POST
def endpoint_disable(request, pk: int):
    endpoint = selectors.endpoint_of(request.user, pk=pk)
    services.endpoint_set_active(endpoint=endpoint, active=False)
    messages.success(request, _("推送地址已停用，不再向其发送事件。"))
    return redirect("webhooks:page")


@applicant_required
@require_POST
def endpoint_enable(request, pk: int):
    endpoint = selectors.endpoint_of(request.user, pk=pk)
    services.endpoint_set_active(endpoint=endpoint, active=True)
    messages.success(request, _("推送地址已启用。"))
    return redirect("webhooks:page")


@applicant_required
@require_POST
def endpoint_rotate(request, pk: int):
    """Give the endpoint a new secret and show it, this once."""
    endpoint = selectors.endpoint_of(request.user, pk=pk)
    return _page(request, issued=services.endpoint_rotate_secret(endpoint=endpoint))


@applicant_required
@require_POST
def endpoint_delete(request, pk: int):
    endpoint = selectors.endpoint_of(request.user, pk=pk)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, _("推送地址及其推送记录已删除。"))
    return redirect("webhooks:page")


@applicant_required
@require_POST
def delivery_resend(request, pk: int):
    """Send an event again to its endpoint."""
    delivery = selectors.delivery_of(request.user, pk=pk)
    try:
        services.delivery_resend(delivery=delivery)
    except services.WebhookError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已重新加入发送队列。"))
    return redirect("webhooks:page")
