"""补正 and the certificate: the applicant's side of examination, as on its pages (ruanzhu.examination
.applicant_views) and through the same services.

A 补正 is answered as on its page: the listed fields and documents (multipart, a document as ``document_<kind>``).
One that changes the form's content makes a new version: each owner is sent a code to its own phone and
confirms (in its own account through the API), the codes may be sent again, and the newly signed signature page
is uploaded; the 补正 then counts as answered.
"""

import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema

from ruanzhu.api.auth import FILE, READ, SUBMIT
from ruanzhu.api.errors import Problem, ProblemOut, form_errors, invalid
from ruanzhu.api.routers.filings import ERRORS, PK_MAX
from ruanzhu.api.routers.lifecycle import PDF_ANSWER, REFUSED, UPLOAD_BODY, read_upload
from ruanzhu.core.files import private_file_response
from ruanzhu.core.http import client_ip
from ruanzhu.core.uploads import upload_refusal
from ruanzhu.examination import services
from ruanzhu.examination.forms import step_fields
from ruanzhu.filings.definitions import definition_for, definitions
from ruanzhu.filings.models import Filing
from ruanzhu.filings.selectors import Purpose, filing_for, may
from ruanzhu.filings.services.versions import confirmed_party_ids, confirming_parties, correction_version
from ruanzhu.filings.states import Status

router = Router(tags=["corrections"])


class CorrectionItemOut(Schema):
    # "field:<name>" or "document:<kind>" (the names of GET /services).
    target: str
    label: str
    message: str


class VersionPartyOut(Schema):
    party_id: int
    name: str
    phone: str
    confirmed: bool


class CorrectionVersionOut(Schema):
    number: int
    confirmed_at: datetime.datetime | None
    parties: list[VersionPartyOut]


class CorrectionOut(Schema):
    number: int
    items: list[CorrectionItemOut]
    fields: list[str]
    documents: list[str]
    note: str
    deadline: datetime.date
    expired: bool
    requested_at: datetime.datetime
    # Whether the token's account may answer it (the filer and the applicant).
    may_submit: bool
    # The new form version the answer made, while it waits for the parties or its signature page.
    new_version: CorrectionVersionOut | None
    # What that version still needs before the 补正 counts as answered.
    missing: list[str]


class CorrectionAnswerOut(Schema):
    status: str
    # True once the 补正 is answered (back with the examiner); false while its new version needs more.
    answered: bool
    missing: list[str]
    correction: CorrectionOut | None


class CodesSentOut(Schema):
    sent_to: list[str]


def _correction_of(filing: Filing):
    correction = services.open_correction(filing) if filing.status == Status.CORRECTION else None
    if correction is None:
        raise Http404
    return correction


def correction_out(user, filing: Filing, correction) -> dict:
    """Return what the 补正 page shows of the open 补正 of ``filing`` to ``user``."""
    expired = correction.deadline < timezone.localdate()
    version = correction_version(filing)
    new_version = None
    if version is not None:
        confirmed = confirmed_party_ids(filing)
        new_version = {
            "number": version.number,
            "confirmed_at": version.confirmed_at,
            "parties": [
                {
                    "party_id": party.pk,
                    "name": party.name,
                    "phone": party.account.masked_phone,
                    "confirmed": party.pk in confirmed,
                }
                for party in confirming_parties(filing).order_by("position", "id")
            ],
        }
    return {
        "number": correction.number,
        "items": [
            {"target": item["target"], "label": item["label"], "message": item["message"]}
            for item in correction.items
        ],
        "fields": correction.fields,
        "documents": correction.documents,
        "note": correction.note,
        "deadline": correction.deadline,
        "expired": expired,
        "requested_at": correction.requested_at,
        "may_submit": may(user, filing, Purpose.CORRECT) and not expired,
        "new_version": new_version,
        "missing": services.correction_missing(filing),
    }


def _answer_out(user, filing: Filing) -> dict:
    filing.refresh_from_db()
    correction = services.open_correction(filing) if filing.status == Status.CORRECTION else None
    missing = services.correction_missing(filing)
    return {
        "status": filing.status,
        "answered": correction is None,
        "missing": missing,
        "correction": correction_out(user, filing, correction) if correction is not None else None,
    }


@router.get(
    "/filings/{pk}/correction",
    auth=READ,
    response={200: CorrectionOut, **ERRORS},
    operation_id="filings_correction",
    url_name="filing_correction",
    summary="The open 补正: its items, note and deadline (404 when none is open)",
)
def filings_correction(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.VIEW)
    return correction_out(user, filing, _correction_of(filing))


def correction_files(**url_kwargs) -> int:
    """Return the most documents a 补正 can ask for: every document of the largest service."""
    return max(len(definition.documents) for definition in definitions())


CORRECTION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": (
                        "The listed fields by name (GET /services), and each listed document as "
                        "document_<kind>; fields not sent keep their values."
                    ),
                    "additionalProperties": {"type": "string"},
                }
            }
        },
    }
}


def _field_errors(filing: Filing, fields: dict) -> list[dict]:
    """Return the step forms' errors of the changed fields, each under its field (the service checks again)."""
    details = {**filing.details, **fields}
    errors = []
    for step in definition_for(filing.service).form_steps:
        form = step.form_class(data=details)
        if not form.is_valid():
            errors += [error for error in form_errors(form) if error["field"] in fields]
    return errors


@router.post(
    "/filings/{pk}/correction",
    auth=SUBMIT,
    response={200: CorrectionAnswerOut, **REFUSED, 413: ProblemOut, **ERRORS},
    operation_id="filings_correction_answer",
    url_name="filing_correction",
    summary="Answer the open 补正 (multipart: the listed fields by name, documents as document_<kind>)",
    openapi_extra=CORRECTION_BODY,
)
def filings_correction_answer(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.CORRECT)
    correction = _correction_of(filing)
    refusal = upload_refusal(request)
    if refusal:
        raise Problem(413, "upload_too_large", refusal)
    available = step_fields(filing)
    kinds = {spec.kind for spec in definition_for(filing.service).documents}
    errors = []
    fields = {}
    for name in request.POST:
        if name not in available:
            errors.append({"field": name, "code": "unknown_field", "message": _("没有这一项。")})
            continue
        fields[name] = available[name].widget.value_from_datadict(request.POST, request.FILES, name)
    documents = {}
    for name, upload in request.FILES.items():
        kind = name.removeprefix("document_")
        if not name.startswith("document_") or kind not in kinds:
            errors.append({"field": name, "code": "unknown_field", "message": _("没有这一项。")})
            continue
        # A document not asked for is refused as a whole by the service; its content is not worth reading.
        documents[kind] = (upload.read() if kind in correction.documents else b"", upload.name)
    if not fields and not documents and not errors:
        errors.append({"field": None, "code": "required", "message": _("请至少填写一项。")})
    errors += _field_errors(filing, fields)
    if errors:
        raise invalid(errors)
    services.correction_submit(
        filing=filing, by=user, fields=fields, documents=documents, ip=client_ip(request)
    )
    return _answer_out(user, filing)


@router.post(
    "/filings/{pk}/correction/codes",
    auth=FILE,
    response={200: CodesSentOut, **REFUSED, **ERRORS},
    operation_id="filings_correction_codes",
    url_name="filing_correction_codes",
    summary="Send the parties who have not confirmed the 补正's new version their code again",
)
def filings_correction_codes(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.CORRECT)
    return {"sent_to": services.correction_codes_send(filing=filing, by=user, ip=client_ip(request))}


@router.post(
    "/filings/{pk}/correction/signature-page",
    auth=SUBMIT,
    response={200: CorrectionAnswerOut, **REFUSED, 413: ProblemOut, **ERRORS},
    operation_id="filings_correction_signature_page",
    url_name="filing_correction_signature_page",
    summary="Upload the signed signature page of the 补正's new version; the 补正 is then answered",
    openapi_extra=UPLOAD_BODY,
)
def filings_correction_signature_page(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.CORRECT)
    upload = read_upload(request)
    services.correction_signature_page_upload(
        filing=filing, by=user, data=upload.read(), filename=upload.name
    )
    return _answer_out(user, filing)


@router.get(
    "/filings/{pk}/certificate.pdf",
    auth=READ,
    response={200: None, **ERRORS},
    operation_id="filings_certificate_pdf",
    url_name="filing_certificate_pdf",
    summary="Download the signed certificate of a registered filing (its owners, applicant and filer)",
    openapi_extra={"responses": {200: PDF_ANSWER}},
)
def filings_certificate_pdf(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    filing = filing_for(request.auth.user, pk=pk, purpose=Purpose.CERTIFICATE)
    certificate = getattr(filing, "certificate", None) if filing.status == Status.REGISTERED else None
    if certificate is None:
        raise Http404
    return private_file_response(
        content=services.certificate_content(certificate),
        filename=f"{certificate.registration.registration_number}.pdf",
        content_type="application/pdf",
    )
