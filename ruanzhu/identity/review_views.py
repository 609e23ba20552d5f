"""Identity reviewers' back office: the queue, the review page, claims and decisions."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import staff_with_mfa
from ruanzhu.core.files import private_file_response, read_private_file
from ruanzhu.core.models import AuditEntry
from ruanzhu.core.review import ReviewError, item_claim, item_release
from ruanzhu.core.services import audit_record
from ruanzhu.identity import services
from ruanzhu.identity.forms import ApproveForm, RejectForm
from ruanzhu.identity.images.watermark import watermark_for_staff
from ruanzhu.identity.models import Verification
from ruanzhu.identity.selectors import (
    can_review,
    review_queue,
    verification_changes,
    verification_for_reviewer,
)


def reviewer_required(view):
    """Staff with the second factor and the review permission; everyone else gets 404."""

    @staff_with_mfa
    def wrapper(request, *args, **kwargs):
        if not can_review(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@reviewer_required
@require_GET
def queue(request):
    """List verifications awaiting review, the oldest due date first, overdue ones marked."""
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "open")
    items = review_queue(kind=kind, state=state, claimed=request.GET.get("claimed", ""))
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "identity/review/queue.html",
        {"page": page, "kind": kind, "state": state, "kinds": Verification.Kind.choices},
    )


@reviewer_required
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
            "reject_form": RejectForm(),
            "mine": verification.claimed_by_id == request.user.pk,
        },
    )


@reviewer_required
@require_GET
def document(request, pk: int, slot: str):
    """Stream a document to the reviewer, watermarked, and record the view in the audit log."""
    verification = verification_for_reviewer(user=request.user, pk=pk)
    item = verification.documents.filter(slot=slot).first()
    if item is None:
        raise Http404
    content = read_private_file(item.storage_name)
    if not item.is_pdf:
        content = watermark_for_staff(content)
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


def _act(request, pk: int, action) -> object:
    verification = verification_for_reviewer(user=request.user, pk=pk)
    try:
        action(verification)
    except ReviewError as error:
        messages.error(request, error.message)
    return redirect("identity_review:detail", pk=pk)


@reviewer_required
@require_POST
def claim(request, pk: int):
    """Claim the verification so that no other reviewer works on it."""
    return _act(request, pk, lambda verification: item_claim(item=verification, by=request.user))


@reviewer_required
@require_POST
def release(request, pk: int):
    """Put a claimed verification back in the queue."""
    return _act(request, pk, lambda verification: item_release(item=verification, by=request.user))


@reviewer_required
@require_POST
def approve(request, pk: int):
    """Approve, once the checklist is ticked."""
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("note", [])))
        return redirect("identity_review:detail", pk=pk)

    def act(verification):
        services.verification_approve(
            verification=verification,
            by=request.user,
            checklist=form.checklist(),
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("已审核通过。"))

    return _act(request, pk, act)


@reviewer_required
@require_POST
def reject(request, pk: int):
    """Reject with one or more reason codes and an optional internal note."""
    form = RejectForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("identity_review:detail", pk=pk)

    def act(verification):
        services.verification_reject(
            verification=verification,
            by=request.user,
            reasons=list(form.cleaned_data["reasons"]),
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("已退回申请人。"))

    return _act(request, pk, act)
