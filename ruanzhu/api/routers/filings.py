"""Filings: the caller's list (我的申请), one filing, a new draft and changes to a draft.

Every operation goes through the pages' selectors and services: ``my_filings`` and ``filing_for`` decide what the
token's account may see or edit (an agent only under a mandate in force), the service definitions' step forms
validate the fields, and ``filing_create`` / ``filing_create_for_client`` / ``filing_save_step`` write them.
"""

import datetime
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status

from ruanzhu.api.auth import FILE, READ
from ruanzhu.api.errors import Problem, ProblemOut, form_errors, invalid
from ruanzhu.core.uploads import upload_refusal
from ruanzhu.filings.access import clients_of, is_agent
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.forms import FilerRoleForm, UploadForm
from ruanzhu.filings.models import Filing
from ruanzhu.filings.selectors import Purpose, filing_for, may, my_filings
from ruanzhu.filings.services.agency import filing_create_for_client
from ruanzhu.filings.services.documents import filing_upload_document
from ruanzhu.filings.services.drafts import filing_create, filing_save_step

router = Router(tags=["filings"])

PK_MAX = 2**63 - 1
LIST_LIMIT_MAX = 100
ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut, 429: ProblemOut}


class FilingSummaryOut(Schema):
    id: int
    service: str
    title: str
    status: str
    status_label: str
    flow_number: str | None
    may_edit: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class FilingListOut(Schema):
    items: list[FilingSummaryOut]
    next_offset: int | None


class FilingOut(Schema):
    id: int
    service: str
    title: str
    status: str
    status_label: str
    flow_number: str | None
    may_edit: bool
    # The index of the first step not yet saved (the steps are those of GET /services).
    step: int
    details: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class FilingCreateIn(Schema):
    service: str
    # An agent filing for a client under a mandate in force: the client's account id (as on 立即登记).
    client_id: int | None = None
    # Fields of the first step (required) and of any later steps, by name (GET /services).
    fields: dict[str, Any] = {}


class FilingUpdateIn(Schema):
    # Fields of any steps reached so far or next, by name; the others keep their saved values.
    fields: dict[str, Any]


class FilingDocumentOut(Schema):
    kind: str
    filename: str
    size: int
    sha256: str
    page_count: int | None
    # What the checks found (a deposit's pages, an image's quality …); empty when the document passes.
    problems: list[Any]
    uploaded_at: datetime.datetime


def _summary(filing: Filing, *, may_edit: bool) -> dict:
    return {
        "id": filing.pk,
        "service": filing.service,
        "title": filing.title,
        "status": filing.status,
        "status_label": str(filing.get_status_display()),
        "flow_number": filing.flow_number,
        "may_edit": may_edit,
        "created_at": filing.created_at,
        "updated_at": filing.updated_at,
    }


def filing_out(user, filing: Filing) -> dict:
    """Return the FilingOut of ``filing`` as ``user`` sees it."""
    may_edit = filing.is_editable and may(user, filing, Purpose.EDIT)
    return {**_summary(filing, may_edit=may_edit), "step": filing.step, "details": filing.details}


def _as_posted(field, value):
    """Return a JSON value as a browser posts it to the field (strings, a list of them for a multiple choice).

    None for a value of the wrong shape (an object, a list for a single value): refused as such.
    """
    scalar = (str, int, float, bool)
    if getattr(field.widget, "allow_multiple_selected", False):
        if isinstance(value, list) and all(isinstance(item, scalar) for item in value):
            return [str(item) for item in value]
        return None
    return str(value) if isinstance(value, scalar) else None


def _step_forms(definition, *, reached: int, details: dict, data: dict, first: bool) -> list:
    """Return the bound, valid step forms for ``data`` in the order of the steps; raise the problem otherwise.

    Each form sees the saved values of its fields under the new ones, as the wizard's page shows them. A step
    beyond the next one to fill is refused, as the wizard refuses it.
    """
    steps = definition.form_steps
    # An unbound form's fields, not the class's: a form may add fields when built (R41's rows of changes).
    fields_of = {step.slug: step.form_class().fields for step in steps}
    owner = {name: step for step in steps for name in fields_of[step.slug]}
    errors = [
        {"field": name, "code": "unknown_field", "message": _("没有这一项。")}
        for name in data
        if name not in owner
    ]
    chosen = [
        step for step in steps if (first and step is steps[0]) or any(owner.get(n) is step for n in data)
    ]
    forms = []
    for step in chosen:
        index = definition.step_index(step.slug)
        names = fields_of[step.slug]
        if index > reached:
            errors += [
                {"field": name, "code": "step_not_reached", "message": _("请先填写前面的步骤。")}
                for name in data
                if name in names
            ]
            continue
        reached = max(reached, index + 1)
        given = {name: value for name, value in data.items() if name in names and value is not None}
        values = {}
        for name, field in names.items():
            value = given.get(name, details.get(name))
            if value is None:
                continue
            values[name] = _as_posted(field, value)
            if values[name] is None:
                errors.append({"field": name, "code": "invalid_type", "message": _("格式不正确。")})
        form = step.form_class(data=values)
        if not form.is_valid():
            errors += form_errors(form)
        forms.append((step, form))
    if errors:
        raise invalid(errors)
    return forms


def _client(user, payload: FilingCreateIn, service: str):
    """Return the client an agent files for (checked as 立即登记's 填报身份), or None for one's own filing."""
    if payload.client_id is None:
        return None
    if not is_agent(user):
        raise invalid(
            [{"field": "client_id", "code": "not_an_agent", "message": _("只有代理机构可以为委托人办理。")}]
        )
    form = FilerRoleForm(
        data={"filer_role": FilerRoleForm.AGENT, "mandate_client": payload.client_id},
        clients=list(clients_of(user, service=service)),
    )
    if not form.is_valid():
        raise invalid(form_errors(form, rename={"mandate_client": "client_id", "filer_role": "client_id"}))
    return form.cleaned_data["client"]


@router.get(
    "/filings",
    auth=READ,
    response={200: FilingListOut, **ERRORS},
    operation_id="filings_list",
    url_name="filings",
    summary="List the filings the account may see (我的申请)",
)
def filings_list(
    request,
    limit: int = Query(20, ge=1, le=LIST_LIMIT_MAX),
    offset: int = Query(0, ge=0, le=PK_MAX),
):
    rows = list(my_filings(request.auth.user)[offset : offset + limit + 1])
    return {
        "items": [
            _summary(filing, may_edit=filing.is_editable and filing.may_edit) for filing in rows[:limit]
        ],
        "next_offset": offset + limit if len(rows) > limit else None,
    }


@router.get(
    "/filings/{pk}",
    auth=READ,
    response={200: FilingOut, **ERRORS},
    operation_id="filings_get",
    url_name="filing",
    summary="Show one filing",
)
def filings_get(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    return filing_out(user, filing_for(user, pk=pk, purpose=Purpose.VIEW))


@router.post(
    "/filings",
    auth=FILE,
    response={201: FilingOut, 409: ProblemOut, **ERRORS},
    operation_id="filings_create",
    url_name="filings",
    summary="Start a draft (立即登记) with its first step",
)
def filings_create(request, payload: FilingCreateIn):
    return Status(201, filing_out(request.auth.user, filing_create_from(request.auth.user, payload)))


def filing_create_from(user, payload: FilingCreateIn) -> Filing:
    """Start the draft ``payload`` describes for ``user`` as 立即登记 does; raise the problem if refused."""
    try:
        definition = definition_for(payload.service)
    except KeyError:
        raise invalid(
            [{"field": "service", "code": "invalid_choice", "message": _("没有这项业务。")}]
        ) from None
    if not user.is_verified_identity:
        raise Problem(403, "identity_not_verified", _("请先完成实名认证。"))
    client = _client(user, payload, definition.code)
    forms = _step_forms(definition, reached=0, details={}, data=payload.fields, first=True)
    # One transaction, as on 立即登记: a step the service refuses leaves no draft.
    with transaction.atomic():
        if client is not None:
            filing = filing_create_for_client(service=definition.code, agent=user, client=client)
        else:
            filing = filing_create(service=definition.code, applicant=user, filer=user)
        for step, form in forms:
            filing = filing_save_step(filing=filing, by=user, step=step.slug, cleaned_data=form.cleaned_data)
    return filing


@router.patch(
    "/filings/{pk}",
    auth=FILE,
    response={200: FilingOut, 409: ProblemOut, **ERRORS},
    operation_id="filings_update",
    url_name="filing",
    summary="Change fields of a draft, step by step as the wizard saves them",
)
def filings_update(request, payload: FilingUpdateIn, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)
    if not filing.is_editable:
        raise Problem(409, "not_editable", _("申请已提交，不能再修改。"))
    if not payload.fields:
        raise invalid([{"field": "fields", "code": "required", "message": _("请至少填写一项。")}])
    definition = definition_for(filing.service)
    forms = _step_forms(
        definition, reached=filing.step, details=filing.details, data=payload.fields, first=False
    )
    with transaction.atomic():
        for step, form in forms:
            filing = filing_save_step(filing=filing, by=user, step=step.slug, cleaned_data=form.cleaned_data)
    return filing_out(user, filing)


# The multipart body, described by hand: the file is read after the upload limit's check, not parsed by ninja.
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


@router.post(
    "/filings/{pk}/documents/{kind}",
    auth=FILE,
    response={200: FilingDocumentOut, 409: ProblemOut, 413: ProblemOut, **ERRORS},
    operation_id="filings_document_upload",
    url_name="filing_document",
    summary="Upload a document of a draft (multipart, field file), checked as on the step's page",
    openapi_extra=UPLOAD_BODY,
)
def filings_document_upload(
    request, pk: int = Path(..., ge=1, le=PK_MAX), kind: str = Path(..., max_length=40)
):
    user = request.auth.user
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)
    if definition_for(filing.service).document(kind) is None:
        raise Http404
    refusal = upload_refusal(request)
    if refusal:
        raise Problem(413, "upload_too_large", refusal)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        raise invalid(form_errors(form))
    upload = form.cleaned_data["file"]
    document = filing_upload_document(
        filing=filing, by=user, kind=kind, data=upload.read(), filename=upload.name
    )
    return document_out(document)


def document_out(document) -> dict:
    """Return the FilingDocumentOut of a stored document."""
    return {
        "kind": document.kind,
        "filename": document.original_name,
        "size": document.size,
        "sha256": document.sha256,
        "page_count": document.page_count,
        "problems": document.problems,
        "uploaded_at": document.uploaded_at,
    }
