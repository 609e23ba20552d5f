"""The public registry (登记公告): search, a record, certificate verification. No login."""

from django.http import Http404
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ruanzhu.core.dbrouter import replica_view
from ruanzhu.portal import links
from ruanzhu.portal.links import reversed_once
from ruanzhu.registry.forms import SearchForm
from ruanzhu.registry.selectors import (
    InvalidQuery,
    SearchField,
    registration_by_certificate_token,
    registration_changes,
    registration_get,
    registration_search,
)


@require_GET
@replica_view
def search(request):
    """Search the registry by software name, owner or registration number."""
    context = {"form": SearchForm(initial={"field": SearchField.NAME}), "page": None, "error": None}
    if "q" not in request.GET:
        return render(request, "registry/search.html", context)
    form = SearchForm(request.GET)
    context["form"] = form
    if not form.is_valid():
        context["error"] = next(iter(form.errors.values()))[0]
        return render(request, "registry/search.html", context, status=400)
    data = form.cleaned_data
    try:
        context["page"] = registration_search(
            query=data["q"], field=data["field"], after=data["after"] or None, page_size=data["size"]
        )
    except InvalidQuery:
        if data["field"] == SearchField.NUMBER:
            context["error"] = _("登记号格式为“2026SR0123456”，也可输入其开头部分，如“2026SR012”。")
        else:
            context["error"] = _("无法识别的查询，请修改后重试。")
        return render(request, "registry/search.html", context, status=400)
    context["first_page"] = bool(not data["after"])
    context["rows"] = _result_rows(context["page"].results)
    return render(request, "registry/search.html", context)


# A result row. Its cells are escaped as the template escapes a variable.
RESULT_ROW = links.linked_row("result", 8) + "\n      "


def _result_rows(results) -> list[str]:
    """Return the HTML of each result's row: for 20 rows of 8 cells, the template engine cost a third of the page.

    The link is reversed once for the page and the dates are formatted as the date filter would.
    """
    record_url = reversed_once("registry:record", links.REGISTRATION_NUMBER)
    unpublished = _("未发表")
    return [
        format_html(
            RESULT_ROW,
            record_url(registration.registration_number),
            registration.registration_number,
            registration.software_name,
            registration.short_name,
            registration.version,
            registration.owners_text,
            registration.category,
            registration.first_publication_date.strftime("%Y-%m-%d")
            if registration.first_publication_date
            else unpublished,
            registration.registered_on.strftime("%Y-%m-%d"),
        )
        for registration in results
    ]


@require_GET
@replica_view
def record(request, registration_number):
    """Show one registration with its later changes."""
    registration = registration_get(registration_number=registration_number)
    if registration is None:
        raise Http404
    changes = registration_changes(registration=registration)
    return render(request, "registry/record.html", {"registration": registration, "changes": changes})


@require_GET
def verify(request, token):
    """Confirm a certificate reached through its QR code, with the record's current state."""
    registration = registration_by_certificate_token(token=token)
    if registration is None:
        return render(request, "registry/verify_missing.html", status=404)
    changes = registration_changes(registration=registration)
    return render(request, "registry/verify.html", {"registration": registration, "changes": changes})
