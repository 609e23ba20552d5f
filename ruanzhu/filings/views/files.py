"""Files of a filing: uploads on the wizard's steps, and downloads for those who may see the filing."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import applicant_required
from ruanzhu.core.files import open_private_file, private_file_response
from ruanzhu.core.uploads import upload_limit, upload_refusal
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.forms import UploadForm
from ruanzhu.filings.selectors import Purpose, filing_for, mandate_letter_of
from ruanzhu.filings.services.documents import (
    document_max_bytes,
    filing_upload_document,
    signature_page_upload,
)
from ruanzhu.filings.states import Status
from ruanzhu.filings.views.common import REFUSALS, document_slots, note_voided, refusal_message, step_url

# The form PDF is valid only from its issue on; a draft's old form was voided by the edit.
FORM_VALID = frozenset(Status) - {Status.DRAFT, Status.AWAITING_CODES}


def read_upload(request) -> tuple[bytes | None, str, str]:
    """Return (content, file name, error) of the posted file; an oversized one was refused as it streamed in."""
    refusal = upload_refusal(request)
    if refusal:
        return None, "", refusal
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return None, "", form.errors["file"][0]
    upload = form.cleaned_data["file"]
    return upload.read(), upload.name, ""


@upload_limit(document_max_bytes)
@applicant_required
@require_POST
def upload(request, pk: int, kind: str):
    """Upload a document of a step (deposits are checked page by page); answer with its row for htmx."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    definition = definition_for(filing.service)
    spec = definition.document(kind)
    if spec is None:
        raise Http404
    content, filename, error = read_upload(request)
    before = filing.status
    voided = False
    if content is not None:
        try:
            filing_upload_document(filing=filing, by=request.user, kind=kind, data=content, filename=filename)
        except REFUSALS as refusal:
            error = refusal_message(refusal)
        else:
            filing.refresh_from_db()
            voided = before != filing.status == Status.DRAFT
    if request.headers.get("HX-Request"):
        row = next(
            (
                row
                for row in document_slots(filing, definition, spec.step, errors={kind: error})
                if row["spec"] == spec
            ),
            {"spec": spec, "document": filing.documents.filter(kind=kind).first(), "error": error},
        )
        return render(
            request, "filings/_document_slot.html", {"filing": filing, "row": row, "voided": voided}
        )
    if error:
        messages.error(request, _("%(label)s未上传：%(error)s") % {"label": spec.label, "error": error})
    else:
        messages.success(request, _("%(label)s已上传。") % {"label": spec.label})
        note_voided(request, before=before, filing=filing)
    return redirect(step_url(filing, spec.step) + f"#slot-{kind}")


@applicant_required
@require_GET
def document_download(request, pk: int, kind: str):
    """Download a document of the filing (anyone who may see the filing)."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.VIEW)
    document = filing.documents.filter(kind=kind).first()
    if document is None:
        raise Http404
    return private_file_response(
        content=open_private_file(document.storage_name),
        filename=document.original_name,
        content_type=document.content_type,
    )


@applicant_required
@require_GET
def form_pdf(request, pk: int):
    """Download the issued 申请表 with its signature page."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.VIEW)
    if filing.status not in FORM_VALID or not filing.form_storage_name or not filing.flow_number:
        raise Http404
    return private_file_response(
        content=open_private_file(filing.form_storage_name),
        filename=f"{filing.flow_number}.pdf",
        content_type="application/pdf",
    )


@upload_limit("FILING_UPLOAD_MAX_BYTES")
@applicant_required
@require_POST
def signature_page(request, pk: int):
    """Upload the signed and sealed 申请确认签章页 (PDF or image)."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    content, filename, error = read_upload(request)
    if content is not None:
        try:
            signature_page_upload(filing=filing, by=request.user, data=content, filename=filename)
        except REFUSALS as refusal:
            error = refusal_message(refusal)
    if error:
        messages.error(request, _("签章页未上传：%(error)s") % {"error": error})
    else:
        messages.success(request, _("签章页已上传。"))
    return redirect(step_url(filing, "confirm") + "#issue")


@require_GET
def mandate_letter(request, pk: int):
    """Download the signed 委托书 under which the agent filed: for the agent, its client and examiners."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    filing = filing_for(request.user, pk=pk, purpose=Purpose.MANDATE_LETTER)
    mandate = mandate_letter_of(filing)
    if mandate is None:
        raise Http404
    extension = mandate.letter_storage_name.rsplit(".", 1)[-1]
    return private_file_response(
        content=open_private_file(mandate.letter_storage_name),
        filename=f"委托书-已签署-{mandate.pk}.{extension}",
        content_type=mandate.letter_content_type,
    )
