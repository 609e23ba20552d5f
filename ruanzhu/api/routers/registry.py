"""The public registry: search and one record, through the registry's selectors and the search page's form."""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema

from ruanzhu.api.auth import READ
from ruanzhu.api.errors import ProblemOut, form_errors, invalid
from ruanzhu.core.dbrouter import replica_view
from ruanzhu.registry.forms import SearchForm
from ruanzhu.registry.models import Registration
from ruanzhu.registry.selectors import (
    InvalidQuery,
    SearchField,
    registration_changes,
    registration_get,
    registration_search,
)

router = Router(tags=["registry"])

ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut, 429: ProblemOut}


class SearchHitOut(Schema):
    registration_number: str
    software_name: str
    short_name: str
    version: str
    owners: str
    registered_on: datetime.date
    status: str
    status_label: str


class SearchOut(Schema):
    results: list[SearchHitOut]
    # Pass as ``after`` for the next page; null on the last page.
    next_cursor: str | None


class RecordChangeOut(Schema):
    recorded_on: datetime.date
    kind: str
    kind_label: str
    description: str
    certificate_number: str


class RecordOut(Schema):
    registration_number: str
    certificate_number: str
    software_name: str
    short_name: str
    version: str
    owners: str
    category: str
    completion_date: datetime.date
    first_publication_date: datetime.date | None
    registered_on: datetime.date
    status: str
    status_label: str
    changes: list[RecordChangeOut]


def _hit(registration: Registration) -> dict:
    return {
        "registration_number": registration.registration_number,
        "software_name": registration.software_name,
        "short_name": registration.short_name,
        "version": registration.version,
        "owners": registration.owners_text,
        "registered_on": registration.registered_on,
        "status": registration.status,
        "status_label": str(registration.get_status_display()),
    }


@router.get(
    "/registry/search",
    auth=READ,
    response={200: SearchOut, **ERRORS},
    operation_id="registry_search",
    url_name="registry_search",
    summary="Search the registry by software name, owner or registration number",
)
@replica_view
def registry_search(
    request,
    q: str = Query(..., max_length=1000),
    field: str = Query(SearchField.NAME, max_length=20),
    after: str = Query("", max_length=100),
    size: int | None = Query(None),
):
    form = SearchForm(data={"q": q, "field": field, "after": after, "size": size})
    if not form.is_valid():
        raise invalid(form_errors(form))
    data = form.cleaned_data
    try:
        page = registration_search(
            query=data["q"], field=data["field"], after=data["after"] or None, page_size=data["size"]
        )
    except InvalidQuery:
        if data["field"] == SearchField.NUMBER:
            message = _("登记号格式为“2026SR0123456”，也可输入其开头部分，如“2026SR012”。")
        else:
            message = _("无法识别的查询，请修改后重试。")
        raise invalid([{"field": "q", "code": "invalid", "message": message}]) from None
    return {"results": [_hit(registration) for registration in page.results], "next_cursor": page.next_cursor}


@router.get(
    "/registry/records/{registration_number}",
    auth=READ,
    response={200: RecordOut, **ERRORS},
    operation_id="registry_record",
    url_name="registry_record",
    summary="Show one registration with its later changes",
)
@replica_view
def registry_record(request, registration_number: str = Path(..., max_length=40)):
    registration = registration_get(registration_number=registration_number)
    if registration is None:
        raise Http404
    return {
        **_hit(registration),
        "certificate_number": registration.certificate_number,
        "category": registration.category,
        "completion_date": registration.completion_date,
        "first_publication_date": registration.first_publication_date,
        "changes": [
            {
                "recorded_on": change.recorded_on,
                "kind": change.kind,
                "kind_label": str(change.get_kind_display()),
                "description": change.description,
                "certificate_number": change.certificate_number,
            }
            for change in registration_changes(registration=registration)
        ],
    }
