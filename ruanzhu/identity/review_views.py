"""Identity reviewers' back office: the queue, the review page, claims and decisions."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import staff_required
from ruanzhu.core.files import open_private_file, private_file_response, read_private_file
from ruanzhu.core.models import AuditEntry
from ruanzhu.core.review import ReviewActions
from ruanzhu.core.services import audit_record
from ruanzhu.identity import services
from ruanzhu.identity.forms import ApproveForm, RejectForm
from ruanzhu.identity.images.watermark import watermark_for_staff
from ruanzhu.identity.models import Verification
from ruanzhu.identity.selectors import (
    REVIEW_PERMISSION,
    review_queue_page,
    verification_changes,
    verification_for_reviewer,
)


@staff_required(REVIEW_PERMISSION)
@require_GET
def queue(request):
    """List verifications awaiting review, the oldest due date first, overdue ones marked."""
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "open")
    page = review_queue_page(
        user=request.user,
        kind=kind,
        state=state,
        claimed=request.GET.get("claimed", ""),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    return render(
        request,
        "identity/review/queue.html",
        {"page": page, "kind": kind, "state": state, "kinds": Verification.Kind.choices},
    )


@staff_required(REVIEW_PERMISSION)
@require_GET
def detail(request, pk: int):
    """Show one verification: the images side by side, the data, the checks and what changed."""
    verification = verification_for_reviewer(user=request.user, pk=pk)
    return render(
        request,
        "identity/review/detail.html",
        {
            "verification": verification,
            "documents": verification.documents.all(),
            "changes": verification_changes(verification),
            "approve_form": ApproveForm(),
            "reject_form": RejectForm(kind=verification.kind),
            "mine": verification.claimed_by_id == request.user.pk,
        },
    )


@staff_required(REVIEW_PERMISSION)
@require_GET
def document(request, pk: int, slot: str):
    """Stream a document to the reviewer, watermarked, and record the view in the audit log."""
    verification = verification_for_reviewer(user=request.user, pk=pk)
    item = verification.documents.filter(slot=slot).first()
    if item is None:
        raise Http404
    # A PDF streams as stored; an image is watermarked first, so it is read whole.
    content = (
        open_private_file(item.storage_name)
        if item.is_pdf
        else watermark_for_staff(read_private_file(item.storage_name))
    )
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.VIEW_ID_IMAGE,
        target=verification,
        field_label=item.get_slot_display(),
        reason=_("实名认证审核"),
        request=request,
    )
    extension = "pdf" if item.is_pdf else "jpg" if item.content_type == "image/jpeg" else "png"
    return private_file_response(
        content=content,
        filename=f"{verification.pk}-{item.slot}.{extension}",
        content_type=item.content_type
        if item.is_pdf
        else ("image/jpeg" if extension == "jpg" else "image/png"),
        as_attachment=False,
    )


# Claims and decisions on a verification, each returning to its review page.
REVIEW = ReviewActions(fetch=verification_for_reviewer, page="identity_review:detail")


claim, release = REVIEW.claim_and_release_views(staff_required(REVIEW_PERMISSION))


@staff_required(REVIEW_PERMISSION)
@require_POST
def approve(request, pk: int):
    """Approve, once the checklist is ticked."""
    form = ApproveForm(request.POST)
    return REVIEW.decide(
        request,
        pk,
        form,
        lambda verification, data: services.verification_approve(
            verification=verification, by=request.user, checklist=form.checklist(), note=data["note"]
        ),
        success=_("已审核通过。"),
    )


@staff_required(REVIEW_PERMISSION)
@require_POST
def reject(request, pk: int):
    """Reject with one or more reason codes and an optional internal note."""
    verification = verification_for_reviewer(user=request.user, pk=pk)
    return REVIEW.decide(
        request,
        pk,
        RejectForm(request.POST, kind=verification.kind),
        lambda verification, data: services.verification_reject(
            verification=verification, by=request.user, reasons=list(data["reasons"]), note=data["note"]
        ),
        success=_("已退回申请人。"),
    )
