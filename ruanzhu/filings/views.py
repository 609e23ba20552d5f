from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruanzhu.accounts.decorators import verified_required
from ruanzhu.filings.services_catalog import SERVICES_BY_CODE, SOFTWARE_SERVICES


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
