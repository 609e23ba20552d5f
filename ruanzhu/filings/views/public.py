"""Pages without an applicant's filing: the service catalog, the verification gate and the form's QR page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruanzhu.filings.definitions import definitions
from ruanzhu.filings.models import Filing


@require_GET
def catalog(request):
    """Show 版权登记 → 软件登记: every offered software service with 立即登记."""
    return render(request, "filings/catalog.html", {"services": definitions()})


@login_required
@require_GET
def verification_required(request):
    """Tell an account that is not yet verified to go through 实名认证 first."""
    return render(request, "filings/verification_required.html")


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
