"""The applicant's side of examination: answering a 补正 and downloading the certificate."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruanzhu.accounts.decorators import applicant_required
from ruanzhu.core.files import private_file_response
from ruanzhu.core.http import client_ip
from ruanzhu.core.review import ReviewError
from ruanzhu.core.uploads import upload_limit, upload_refusal
from ruanzhu.examination import services
from ruanzhu.examination.forms import CorrectionForm, step_fields
from ruanzhu.filings.definitions import definition_for, definitions
from ruanzhu.filings.forms import CodeForm
from ruanzhu.filings.selectors import Purpose, filing_for, may
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.versions import confirmed_party_ids, confirming_parties, correction_version
from ruanzhu.filings.states import Status


def _document_labels(filing, kinds: list[str]) -> list[tuple[str, str]]:
    definition = definition_for(filing.service)
    return [(kind, str(spec.label) if (spec := definition.document(kind)) else kind) for kind in kinds]


def _posted(request, filing, correction, form) -> tuple[dict, dict, str]:
    """Return (fields, documents, error) of the post; items not asked for are passed on to be refused."""
    refusal = upload_refusal(request)
    if refusal:
        return {}, {}, refusal
    fields = form.raw_fields()
    allowed = set(correction.fields)
    for name in step_fields(filing):
        if name not in allowed and name in request.POST:
            fields[name] = request.POST.get(name)
    documents = {}
    for name, upload in request.FILES.items():
        if not name.startswith("document_"):
            continue
        kind = name.removeprefix("document_")
        # A document not asked for is refused as a whole; its content is not worth reading.
        documents[kind] = (upload.read() if kind in correction.documents else b"", upload.name)
    return fields, documents, ""


def _correction_files(**url_kwargs) -> int:
    """Return the most documents a 补正 can ask for: every document of the largest service."""
    return max(len(definition.documents) for definition in definitions())


@upload_limit("FILING_UPLOAD_MAX_BYTES", files=_correction_files)
@applicant_required
@require_http_methods(["GET", "POST"])
def correction(request, pk: int):
    """Show the examiner's 补正 items, note and deadline; the filer (or applicant) submits the corrections."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.VIEW)
    correction = services.open_correction(filing) if filing.status == Status.CORRECTION else None
    may_submit = may(request.user, filing, Purpose.CORRECT)
    expired = correction is not None and correction.deadline < timezone.localdate()
    form = None
    if correction is not None:
        form = CorrectionForm(
            request.POST or None,
            request.FILES or None,
            filing=filing,
            names=correction.fields,
            documents=_document_labels(filing, correction.documents),
        )
    if request.method == "POST":
        if correction is None or not may_submit:
            messages.error(
                request,
                _("该申请当前不需要补正。") if correction is None else _("只有填报人或申请人可以提交补正。"),
            )
            return redirect("examination_applicant:correction", pk=pk)
        fields, documents, error = _posted(request, filing, correction, form)
        if not error:
            try:
                services.correction_submit(
                    filing=filing, by=request.user, fields=fields, documents=documents, ip=client_ip(request)
                )
            except (FilingError, ReviewError) as refusal:
                error = getattr(refusal, "message", None) or str(refusal)
        if not error:
            filing.refresh_from_db()
            missing = services.correction_missing(filing)
            if missing:
                messages.warning(
                    request,
                    _(
                        "补正修改了申请内容，已生成新版本申请表并向各著作权人发送验证码。补正尚未提交，还需：%(missing)s。"
                    )
                    % {"missing": "；".join(missing)},
                )
                return redirect("examination_applicant:correction", pk=pk)
            messages.success(request, _("补正已提交，等待审查员审查。"))
            return redirect("filings:detail", pk=pk)
        for line in str(error).splitlines():
            messages.error(request, line)
    return render(
        request,
        "examination/correction.html",
        {
            "filing": filing,
            "correction": correction,
            "form": form,
            "may_submit": may_submit and not expired,
            "expired": expired,
            **_new_version_context(filing, may_submit=may_submit and not expired),
        },
    )


def _new_version_context(filing, *, may_submit: bool) -> dict:
    """Return what the 补正 page shows of a new version still waiting for the parties or its signature page."""
    version = correction_version(filing)
    if version is None:
        return {"new_version": None}
    confirmed = confirmed_party_ids(filing)
    return {
        "new_version": version,
        "missing": services.correction_missing(filing),
        "version_parties": [
            {"party": party, "phone": party.account.masked_phone, "confirmed": party.pk in confirmed}
            for party in confirming_parties(filing).order_by("position", "id")
        ],
        "code_form": CodeForm(),
        "may_act": may_submit,
    }


@applicant_required
@require_POST
def correction_codes(request, pk: int):
    """Send the parties who have not confirmed a correction's new version their code again."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.CORRECT)
    try:
        reached = services.correction_codes_send(filing=filing, by=request.user, ip=client_ip(request))
    except (FilingError, ReviewError) as refusal:
        for line in (getattr(refusal, "message", None) or str(refusal)).splitlines():
            messages.error(request, line)
    else:
        messages.success(request, _("验证码已发送：%(owners)s。") % {"owners": "；".join(reached)})
    return redirect("examination_applicant:correction", pk=pk)


@upload_limit("FILING_UPLOAD_MAX_BYTES")
@applicant_required
@require_POST
def correction_signature_page(request, pk: int):
    """Upload the signed signature page of a correction's new version; the correction is then submitted."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.CORRECT)
    refusal = upload_refusal(request)
    upload = request.FILES.get("file")
    if refusal or upload is None:
        messages.error(request, refusal or _("请选择要上传的签章页文件。"))
        return redirect("examination_applicant:correction", pk=pk)
    try:
        services.correction_signature_page_upload(
            filing=filing, by=request.user, data=upload.read(), filename=upload.name
        )
    except (FilingError, ReviewError) as refusal:
        messages.error(request, getattr(refusal, "message", None) or str(refusal))
        return redirect("examination_applicant:correction", pk=pk)
    messages.success(request, _("签章页已上传，补正已提交，等待审查员审查。"))
    return redirect("filings:detail", pk=pk)


@applicant_required
@require_GET
def certificate(request, pk: int):
    """Download the signed certificate of a registered filing (its owners, applicant and filer)."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.CERTIFICATE)
    certificate = getattr(filing, "certificate", None) if filing.status == Status.REGISTERED else None
    if certificate is None:
        raise Http404
    return private_file_response(
        content=services.certificate_content(certificate),
        filename=f"{certificate.registration.registration_number}.pdf",
        content_type="application/pdf",
    )
