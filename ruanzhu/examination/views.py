"""Examiners' back office: queues, the examination page of a filing, claims, decisions and the dashboard."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import staff_required
from ruanzhu.core.files import open_private_file, private_file_response
from ruanzhu.core.models import AuditEntry
from ruanzhu.core.review import ReviewActions
from ruanzhu.core.services import audit_record
from ruanzhu.examination import dashboard as stats
from ruanzhu.examination import services
from ruanzhu.examination.forms import (
    CorrectionRequestForm,
    QueueFilterForm,
    RefuseForm,
    RejectAcceptanceForm,
)
from ruanzhu.examination.selectors import (
    ACCEPTANCE_OVERDUE_DAYS,
    EXAMINE_PERMISSION,
    TABS,
    filing_for_examiner,
    queue_counts,
    queue_page,
)
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.selectors import mandate_letter_of
from ruanzhu.filings.services.documents import SIGNATURE_PAGE
from ruanzhu.filings.states import Status
from ruanzhu.portal import links
from ruanzhu.portal.links import reversed_once

# Claims and decisions on a filing, each returning to its examination page.
REVIEW = ReviewActions(fetch=filing_for_examiner, page="examination:detail")


# The filter form's widgets as HTML when the queue is not filtered (its usual look), rendered once per language.
_UNFILTERED_WIDGETS: dict[str, dict[str, str]] = {}


def _filter_widgets(form: QueueFilterForm) -> dict:
    """Return the filter form's widgets by field name, as ``{{ form.<name> }}`` renders them."""
    if any(name in form.data for name in form.fields):
        return {name: form[name] for name in form.fields}
    language = get_language()
    if language not in _UNFILTERED_WIDGETS:
        _UNFILTERED_WIDGETS[language] = {name: str(form[name]) for name in form.fields}
    return _UNFILTERED_WIDGETS[language]


# A row of the queue, its cells escaped as the template escapes a variable.
QUEUE_ROW = links.linked_row("queue-row-{}", 7)


def _queue_rows(filings) -> list[str]:
    """Return the HTML of each filing's row: for a page of rows the template engine was a third of the page.

    The link is reversed once for the page, each status label worked out once for each status (and claimed or
    not), and the time formatted as the template's date filter would.
    """
    detail_url = reversed_once("examination:detail", links.ID)
    labels = {}
    rows = []
    for filing in filings:
        shown = (filing.status, bool(filing.claimed_by_id))
        if shown not in labels:
            labels[shown] = filing.status_label
        submitted = filing.submitted_at
        rows.append(
            format_html(
                QUEUE_ROW,
                filing.pk,
                detail_url(filing.pk),
                filing.flow_number or filing.pk,
                filing.service,
                filing.title,
                "、".join(filing.party_names),
                timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "",
                filing.claimed_by.username if filing.claimed_by_id else "—",
                labels[shown],
            )
        )
    return rows


@staff_required(EXAMINE_PERMISSION)
@require_GET
def queue(request):
    """List one queue (tab) oldest first, filtered, a page at a time with next/previous cursors."""
    tab = request.GET.get("tab", "submitted")
    if tab not in dict(TABS):
        tab = "submitted"
    form = QueueFilterForm(request.GET)
    page = queue_page(
        user=request.user,
        tab=tab,
        filters=form.filters(),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    query = request.GET.copy()
    for name in ("after", "before", "tab"):
        query.pop(name, None)
    return render(
        request,
        "examination/queue.html",
        {
            "page": page,
            "rows": _queue_rows(page.rows),
            "tab": tab,
            "tabs": TABS,
            "form": form,
            "widgets": _filter_widgets(form),
            "filter_query": query.urlencode(),
            "overdue_days": ACCEPTANCE_OVERDUE_DAYS,
        },
    )


# The states in which an examiner holds a filing.
OPEN = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.EXAMINING, Status.CORRECTION})


def _document_label(filing, kind: str) -> str:
    if kind == SIGNATURE_PAGE:
        return _("申请确认签章页")
    spec = definition_for(filing.service).document(kind)
    return str(spec.label) if spec else kind


@staff_required(EXAMINE_PERMISSION)
@require_GET
def detail(request, pk: int):
    """Show the whole filing with its history and correction rounds, and the actions of its state."""
    filing = filing_for_examiner(user=request.user, pk=pk)
    definition = definition_for(filing.service)
    rounds = sorted(filing.correction_rounds.all(), key=lambda round_: round_.number)
    return render(
        request,
        "examination/detail.html",
        {
            "filing": filing,
            "sections": definition.form_sections(filing.details),
            "checklist": definition.checklist_for(filing),
            "owners_of_record": definition.owners_of_record(filing) if definition.owners_of_record else None,
            "parties": filing.joined_parties(),
            "documents": [
                (document, _document_label(filing, document.kind)) for document in filing.documents.all()
            ],
            "events": filing.events.select_related("actor"),
            "claimable": filing.status in OPEN,
            "rounds": [(round_, services.correction_diff(round_)) for round_ in reversed(rounds)],
            "mine": filing.claimed_by_id == request.user.pk,
            "reject_form": RejectAcceptanceForm(),
            "refuse_form": RefuseForm(),
            "correction_form": CorrectionRequestForm(filing=filing)
            if filing.status == Status.EXAMINING
            else None,
            "mandate": mandate_letter_of(filing),
            "certificate": getattr(filing, "certificate", None)
            if filing.status == Status.REGISTERED
            else None,
        },
    )


@staff_required(EXAMINE_PERMISSION)
@require_GET
def document(request, pk: int, kind: str):
    """Stream a document of the filing to the examiner and record the access in the audit log."""
    filing = filing_for_examiner(user=request.user, pk=pk)
    item = next((document for document in filing.documents.all() if document.kind == kind), None)
    if item is None:
        raise Http404
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.EXPORT_DATA,
        target=filing,
        field_label=_document_label(filing, kind)[:100],
        reason=_("登记审查"),
        request=request,
    )
    return private_file_response(
        content=open_private_file(item.storage_name),
        filename=item.original_name or f"{filing.pk}-{kind}",
        content_type=item.content_type,
    )


claim, release = REVIEW.claim_and_release_views(staff_required(EXAMINE_PERMISSION))


@staff_required(EXAMINE_PERMISSION)
@require_POST
def accept(request, pk: int):
    """受理."""
    return REVIEW.act(
        request,
        pk,
        lambda filing: services.filing_accept(filing=filing, by=request.user),
        success=_("已受理。"),
    )


@staff_required(EXAMINE_PERMISSION)
@require_POST
def reject_acceptance(request, pk: int):
    """不予受理, with a reason."""
    return REVIEW.decide(
        request,
        pk,
        RejectAcceptanceForm(request.POST),
        lambda filing, data: services.filing_reject_acceptance(
            filing=filing, by=request.user, reason=data["reason"]
        ),
        success=_("已作出不予受理决定。"),
    )


@staff_required(EXAMINE_PERMISSION)
@require_POST
def start(request, pk: int):
    """开始审查."""
    return REVIEW.act(
        request,
        pk,
        lambda filing: services.examination_start(filing=filing, by=request.user),
        success=_("已开始审查。"),
    )


@staff_required(EXAMINE_PERMISSION)
@require_POST
def request_correction(request, pk: int):
    """要求补正: the listed items, each with what is wrong, and a note."""
    filing = filing_for_examiner(user=request.user, pk=pk)
    form = CorrectionRequestForm(request.POST, filing=filing)
    return REVIEW.decide(
        request,
        pk,
        form,
        lambda filing, data: services.correction_request(
            filing=filing, by=request.user, items=form.items(), note=data["note"].strip()
        ),
        success=_("已发出补正通知。"),
    )


@staff_required(EXAMINE_PERMISSION)
@require_POST
def register(request, pk: int):
    """准予登记 once every point of the service's checklist is ticked: what its approval does, and a certificate."""
    checked = set(request.POST.getlist("checklist"))
    return REVIEW.act(
        request,
        pk,
        lambda filing: services.filing_register(filing=filing, by=request.user, checked=checked),
        success=_("已准予登记。"),
    )


@staff_required(EXAMINE_PERMISSION)
@require_POST
def refuse(request, pk: int):
    """不予登记 on one of the four grounds, with a note."""
    return REVIEW.decide(
        request,
        pk,
        RefuseForm(request.POST),
        lambda filing, data: services.filing_refuse(
            filing=filing, by=request.user, ground=data["ground"], note=data["note"].strip()
        ),
        success=_("已作出不予登记决定。"),
    )


@staff_required(EXAMINE_PERMISSION)
@require_GET
def dashboard(request):
    """Queue sizes, overdue items and the median time per stage by week, as charts and as a table."""
    counts = queue_counts()
    weeks = stats.stage_medians_cached()
    size_chart = stats.bar_chart(
        [(str(label), counts[tab], str(counts[tab])) for tab, label in TABS], width=520
    )
    stage_charts = [
        {
            "stage": stage,
            "label": label,
            "chart": stats.bar_chart(
                [
                    (
                        f"{week.week_start:%m-%d}",
                        week.medians[stage],
                        stats.days_text(week.medians[stage]),
                    )
                    for week in weeks
                ]
            ),
        }
        for stage, (label, _statuses, _test) in stats.STAGES.items()
    ]
    rows = [
        {
            "week_start": week.week_start,
            "cells": [(stats.days_text(week.medians[stage]), week.counts[stage]) for stage in stats.STAGES],
        }
        for week in weeks
    ]
    return render(
        request,
        "examination/dashboard.html",
        {
            "counts": counts,
            "tabs": [(tab, label, counts[tab]) for tab, label in TABS],
            "size_chart": size_chart,
            "stage_charts": stage_charts,
            "stage_labels": [label for label, _statuses, _test in stats.STAGES.values()],
            "rows": rows,
            "overdue_days": ACCEPTANCE_OVERDUE_DAYS,
        },
    )
