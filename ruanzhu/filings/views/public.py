from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruanzhu.accounts.decorators import verified_required
from ruanzhu.filings.catalog import SERVICES_BY_CODE, SOFTWARE_SERVICES
from ruanzhu.filings.models import Filing
from ruanzhu.filings.selectors import can_edit, filing_for_viewer


@require_GET
def catalog(request):
    """Show 版权登记 → 软件登记: the three software services with 立即登记."""
    return render(request, "filings/catalog.html", {"services": SOFTWARE_SERVICES})


@login_required
@require_GET
def verification_required(request):
    """Tell an account that is not yet verified to go through 实名认证 first."""
    return render(request, "filings/verification_required.html")


@verified_required
@require_GET
def start(request, code: str):
    """Open a new application for the service; only verified accounts get here."""
    service = SERVICES_BY_CODE.get(code)
    if service is None:
        raise Http404
    return render(request, "filings/start.html", {"service": service})


@require_GET
def form_verify(request, flow_number: str):
    """Public page behind the form's QR code: confirms that the flow number was issued, and its state."""
    filing = (
        Filing.objects.filter(flow_number=flow_number)
        .only("service", "status", "flow_number", "fingerprint", "form_issued_at")
        .first()
    )
    if filing is None:
        return render(request, "filings/form_verify.html", {"filing": None}, status=404)
    return render(request, "filings/form_verify.html", {"filing": filing})


@login_required
@require_GET
def detail(request, pk: int):
    """Show a filing to anyone who may see it (owners see it read-only)."""
    filing = filing_for_viewer(user=request.user, pk=pk)
    return render(
        request, "filings/detail.html", {"filing": filing, "editable": can_edit(request.user, filing)}
    )
