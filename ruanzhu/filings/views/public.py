"""Pages without an applicant's filing: the service catalog, the verification gate and the form's QR page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruanzhu.filings.definitions import definitions
from ruanzhu.filings.services.versions import PrintedForm, printed_form, version_to_verify


@require_GET
def catalog(request):
    """Show 版权登记 → 软件登记: every offered software service with 立即登记."""
    return render(request, "filings/catalog.html", {"services": definitions()})


@login_required
@require_GET
def verification_required(request):
    """Tell an account that is not yet verified to go through 实名认证 first."""
    return render(request, "filings/verification_required.html")


def _verify_page(request, form: PrintedForm | None):
    response = render(request, "filings/form_verify.html", {"form": form}, status=200 if form else 404)
    # The address holds the form's token: keep it out of search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def form_verify(request, flow_number: str, token: str):
    """Public page behind the form's QR code: what the form printed, for whoever holds it to compare.

    An unknown flow number and a wrong token give the same 404 page, so that nobody learns which flow numbers
    exist by trying them.
    """
    version = version_to_verify(flow_number=flow_number, token=token)
    return _verify_page(request, printed_form(version) if version else None)


@require_GET
def form_verify_without_token(request, flow_number: str):
    """Answer the QR code of a form printed before its code held a token: the same 404 for every flow number."""
    return _verify_page(request, None)
