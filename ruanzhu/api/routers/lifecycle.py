"""After the draft: 出申请表, the owners' confirmations, the signature page, 确认填报, 撤回 and the form's PDF.

Each operation is the page's action through the page's service and access purpose (ruanzhu.filings.views.issue
and .files): ``form_request_codes`` sends each owner's code to that owner's own phone, as on the page; the API
never shows a code nor takes one for another person. An owner confirms in its own account (its own token).
"""

import datetime
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from ninja import Header, Path, Router, Schema
from ninja.responses import NinjaJSONEncoder

from ruanzhu.api.auth import FILE, READ, SUBMIT
from ruanzhu.api.errors import Problem, ProblemOut, form_errors, invalid
from ruanzhu.api.idempotency import HEADER, idempotent, key_of
from ruanzhu.api.routers.filings import ERRORS, PK_MAX, FilingOut, filing_out
from ruanzhu.core.files import open_private_file, private_file_response
from ruanzhu.core.http import client_ip
from ruanzhu.core.masking import mask_phone
from ruanzhu.core.uploads import upload_refusal
from ruanzhu.filings.forms import UploadForm, WithdrawForm
from ruanzhu.filings.models import Filing
from ruanzhu.filings.selectors import Purpose, filing_for
from ruanzhu.filings.services.documents import signature_page_upload
from ruanzhu.filings.services.issue import form_confirm_in_account, form_request_codes
from ruanzhu.filings.services.submission import filing_submit, filing_withdraw
from ruanzhu.filings.services.versions import awaits_confirmation, confirming_parties, version_current
from ruanzhu.filings.views.files import FORM_VALID

router = Router(tags=["lifecycle"])

REFUSED = {409: ProblemOut}


class ConfirmationPartyOut(Schema):
    party_id: int
    role: str
    role_label: str
    # The name on the form and the phone the code goes to, masked as on the pages.
    name: str
    phone: str
    confirmed: bool
    confirmed_at: datetime.datetime | None
    # How the party confirmed: "code" (relayed to the filer on the page) or "account" (in its own account).
    via: str | None


class ConfirmationsOut(Schema):
    status: str
    status_label: str
    # The number of the form version in force (put to the parties), None before 出申请表 or after an edit.
    form_version: int | None
    # Whether the parties are being asked to confirm that version now.
    awaiting_confirmation: bool
    # When every party had confirmed it.
    confirmed_at: datetime.datetime | None
    parties: list[ConfirmationPartyOut]


class FormIssueOut(ConfirmationsOut):
    # Whom a code was sent to, as the page says it: each party's name and masked phone.
    sent_to: list[str]


class WithdrawIn(Schema):
    reason: str


class SignaturePageOut(Schema):
    filename: str
    size: int
    sha256: str
    page_count: int | None
    uploaded_at: datetime.datetime


def confirmations_of(filing: Filing) -> dict:
    """Return the state of the parties' confirmations of the filing's current form version."""
    version = version_current(filing)
    confirmations = (
        {confirmation.party_id: confirmation for confirmation in version.confirmations.all()}
        if version
        else {}
    )
    parties = []
    for party in confirming_parties(filing).order_by("position", "id"):
        confirmation = confirmations.get(party.pk)
        parties.append(
            {
                "party_id": party.pk,
                "role": party.role,
                "role_label": str(party.get_role_display()),
                "name": party.name,
                "phone": mask_phone(party.account.phone),
                "confirmed": confirmation is not None,
                "confirmed_at": confirmation.confirmed_at if confirmation else None,
                "via": confirmation.via if confirmation else None,
            }
        )
    return {
        "status": filing.status,
        "status_label": str(filing.get_status_display()),
        "form_version": version.number if version else None,
        "awaiting_confirmation": awaits_confirmation(filing),
        "confirmed_at": version.confirmed_at if version else None,
        "parties": parties,
    }


# The multipart body of an upload, described by hand: the file is read after the upload limit's check.
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}
PDF_ANSWER = {
    "description": "The PDF, streamed",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}


@router.post(
    "/filings/{pk}/form",
    auth=FILE,
    response={200: FormIssueOut, **REFUSED, **ERRORS},
    operation_id="filings_form_issue",
    url_name="filing_form",
    summary="出申请表: freeze the form and send each owner a code to its own phone",
)
def filings_form_issue(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)
    sent_to = form_request_codes(filing=filing, by=user, ip=client_ip(request))
    filing.refresh_from_db()
    return {**confirmations_of(filing), "sent_to": sent_to}


@router.get(
    "/filings/{pk}/confirmations",
    auth=READ,
    response={200: ConfirmationsOut, **ERRORS},
    operation_id="filings_confirmations",
    url_name="filing_confirmations",
    summary="The parties' confirmations of the current form version",
)
def filings_confirmations(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    return confirmations_of(filing_for(request.auth.user, pk=pk, purpose=Purpose.VIEW))


@router.post(
    "/filings/{pk}/confirmations/mine",
    auth=FILE,
    response={200: ConfirmationsOut, **REFUSED, **ERRORS},
    operation_id="filings_confirm_mine",
    url_name="filing_confirm_mine",
    summary="Confirm the current form as one of its owners, in one's own account (待我确认)",
)
def filings_confirm_mine(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.CONFIRM)
    return confirmations_of(form_confirm_in_account(filing=filing, account=user))


@router.post(
    "/filings/{pk}/signature-page",
    auth=FILE,
    response={200: SignaturePageOut, **REFUSED, 413: ProblemOut, **ERRORS},
    operation_id="filings_signature_page_upload",
    url_name="filing_signature_page",
    summary="Upload the signed and sealed 申请确认签章页 of the issued form (multipart, field file)",
    openapi_extra=UPLOAD_BODY,
)
def filings_signature_page_upload(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)
    upload = read_upload(request)
    document = signature_page_upload(filing=filing, by=user, data=upload.read(), filename=upload.name)
    return {
        "filename": document.original_name,
        "size": document.size,
        "sha256": document.sha256,
        "page_count": document.page_count,
        "uploaded_at": document.uploaded_at,
    }


def read_upload(request):
    """Return the posted ``file``; an oversized one (refused while it streamed in) or none is the problem."""
    refusal = upload_refusal(request)
    if refusal:
        raise Problem(413, "upload_too_large", refusal)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        raise invalid(form_errors(form))
    return form.cleaned_data["file"]


@router.post(
    "/filings/{pk}/submit",
    auth=SUBMIT,
    response={200: FilingOut, 400: ProblemOut, **REFUSED, **ERRORS},
    operation_id="filings_submit",
    url_name="filing_submit",
    summary="确认填报: submit the issued form (Idempotency-Key required; a retry replays the first answer)",
)
def filings_submit(
    request,
    pk: int = Path(..., ge=1, le=PK_MAX),
    # Declared for the document; read by ``key_of``, which answers a missing or malformed key.
    idempotency_key: str | None = Header(
        None,
        alias=HEADER,
        description="Required: a key of your own for this submission (a UUID); a retry sends the same key.",
    ),
):
    user = request.auth.user
    key = key_of(request)
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)

    def submit() -> HttpResponse:
        submitted = filing_submit(filing=filing, by=user)
        body = FilingOut.model_validate(filing_out(user, submitted)).model_dump(mode="json")
        # An answer of its own (the one kept for the key), rendered as ninja renders the others.
        return HttpResponse(
            json.dumps(body, cls=NinjaJSONEncoder),
            content_type=f"application/json; charset={settings.DEFAULT_CHARSET}",
        )

    return idempotent(request, key=key, work=submit)


@router.post(
    "/filings/{pk}/withdraw",
    auth=SUBMIT,
    response={200: FilingOut, **REFUSED, **ERRORS},
    operation_id="filings_withdraw",
    url_name="filing_withdraw",
    summary="撤回: withdraw the filing before its decision, with a reason",
)
def filings_withdraw(request, payload: WithdrawIn, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)
    form = WithdrawForm(data={"reason": payload.reason})
    if not form.is_valid():
        raise invalid(form_errors(form))
    return filing_out(user, filing_withdraw(filing=filing, by=user, reason=form.cleaned_data["reason"]))


@router.get(
    "/filings/{pk}/form.pdf",
    auth=READ,
    response={200: None, **ERRORS},
    operation_id="filings_form_pdf",
    url_name="filing_form_pdf",
    summary="Download the issued 申请表 (its current version) with its signature page",
    openapi_extra={"responses": {200: PDF_ANSWER}},
)
def filings_form_pdf(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    filing = filing_for(request.auth.user, pk=pk, purpose=Purpose.VIEW)
    if filing.status not in FORM_VALID or not filing.form_storage_name or not filing.flow_number:
        raise Http404
    return private_file_response(
        content=open_private_file(filing.form_storage_name),
        filename=f"{filing.flow_number}.pdf",
        content_type="application/pdf",
    )
