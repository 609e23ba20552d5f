"""The applicant's real-name verification wizard: 身份 → 完善账户信息 → 申请认证 → 审核信息."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruanzhu.accounts.decorators import identity_applicant_required
from ruanzhu.accounts.forms import apply_validation_error
from ruanzhu.core import divisions
from ruanzhu.core.files import open_private_file, private_file_response
from ruanzhu.core.uploads import upload_limit, upload_refusal
from ruanzhu.identity import services
from ruanzhu.identity.forms import (
    IdentityForm,
    InstitutionDetailsForm,
    PersonDetailsForm,
    SubmitForm,
    UploadForm,
)
from ruanzhu.identity.letters import authorization_letter_for
from ruanzhu.identity.models import Slot, Verification
from ruanzhu.identity.selectors import document_for_owner, verification_latest, verification_unsaved

STEPS = (
    ("identity:step1", gettext_lazy("身份")),
    ("identity:step2", gettext_lazy("完善账户信息")),
    ("identity:step3", gettext_lazy("申请认证")),
    ("identity:status", gettext_lazy("审核信息")),
)
SLOT_HINTS = {
    Slot.ID_FRONT: "上传证件照正面",
    Slot.ID_BACK: "上传证件照反面",
    Slot.HANDHELD: "上传手持证件照片",
}


def _open_or_status(request):
    """Return the editable round, or None when the newest round is under review or decided.

    An account without any round gets an unsaved one: pages only show it, the first valid POST opens it.
    """
    latest = verification_latest(account=request.user)
    if latest is not None:
        return latest if latest.is_editable else None
    return verification_unsaved(account=request.user)


def _opened(request, verification: Verification) -> Verification:
    return verification if verification.pk else services.verification_open(account=request.user)


@identity_applicant_required
@require_GET
def start(request):
    """Send the applicant to the step where they left off (前往实名认证)."""
    verification = _open_or_status(request)
    if verification is None:
        return redirect("identity:status")
    return redirect(STEPS[min(verification.step, 2)][0])


@identity_applicant_required
@require_http_methods(["GET", "POST"])
def step1(request):
    """Step 1 (身份): nationality and document type (and the institution's category)."""
    verification = _open_or_status(request)
    if verification is None:
        return redirect("identity:status")
    institution = verification.kind == Verification.Kind.INSTITUTION
    initial = {
        "nationality": verification.nationality or "中国",
        "id_type": verification.id_type,
        "category": verification.category,
    }
    form = IdentityForm(request.POST or None, initial=initial, institution=institution)
    if request.method == "POST" and form.is_valid():
        try:
            services.verification_save_identity(
                verification=_opened(request, verification),
                nationality=form.cleaned_data["nationality"],
                id_type=form.cleaned_data["id_type"],
                category=form.cleaned_data.get("category", ""),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("identity:step2")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "identity/step1.html",
        {"verification": verification, "steps": STEPS, "current_step": 0, "form": form},
        status=status,
    )


def _details_initial(verification: Verification) -> dict:
    person = {
        "real_name": verification.real_name,
        "id_number": verification.id_number,
        "id_valid_from": verification.id_valid_from,
        "id_valid_until": verification.id_valid_until,
        "id_long_term": verification.id_long_term,
    }
    if verification.kind == Verification.Kind.INDIVIDUAL:
        return {**person, "province": verification.province, "city": verification.city}
    return {
        "institution_name": verification.institution_name or verification.account.institution_name,
        "credit_code": verification.credit_code,
        "legal_representative": verification.legal_representative,
        "address": verification.address,
        "province": verification.province,
        "city": verification.city,
        **{f"admin_{key}": value for key, value in person.items()},
    }


@identity_applicant_required
@require_http_methods(["GET", "POST"])
def step2(request):
    """Step 2 (完善账户信息): the details as on the document."""
    verification = _open_or_status(request)
    if verification is None:
        return redirect("identity:status")
    if verification.step < 1:
        return redirect("identity:step1")
    form_class = (
        InstitutionDetailsForm if verification.kind == Verification.Kind.INSTITUTION else PersonDetailsForm
    )
    form = form_class(
        request.POST or None, initial=_details_initial(verification), id_type=verification.id_type
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.verification_save_details(verification=verification, details=form.details())
        except ValidationError as error:
            apply_validation_error(form, error)
        except services.VerificationError as error:
            form.add_error(None, error.message)
        else:
            return redirect("identity:step3")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "identity/step2.html",
        {
            "verification": verification,
            "steps": STEPS,
            "current_step": 1,
            "form": form,
            "id_number_locked": verification.previous is not None
            and verification.previous.status == Verification.Status.APPROVED,
        },
        status=status,
    )


def _slot_rows(verification: Verification) -> list[dict]:
    documents = {document.slot: document for document in verification.documents.all()}
    return [
        {"slot": slot, "label": slot.label, "hint": SLOT_HINTS.get(slot), "document": documents.get(slot)}
        for slot in verification.slots
    ]


@require_GET
def cities(request):
    """The 城市 choices of the province picked in step 2 (htmx swaps them into the city list)."""
    province = request.GET.get("province", "")
    options = [("", _("请选择"))] + [(name, name) for name in divisions.cities(province)]
    return render(request, "identity/_city_options.html", {"options": options})


@identity_applicant_required
@require_http_methods(["GET", "POST"])
def step3(request):
    """Step 3 (申请认证): the uploads with instant feedback, the two consents and submission."""
    verification = _open_or_status(request)
    if verification is None:
        return redirect("identity:status")
    if verification.step < 2:
        return redirect("identity:step2")
    # Bound on every POST: a POST with nothing ticked is still an answer to check.
    form = SubmitForm(request.POST if request.method == "POST" else None, kind=verification.kind)
    valid = request.method == "POST" and form.is_valid()
    missing = services.documents_missing(verification) if request.method == "POST" else ""
    if missing:
        # Said together with unticked consents, not after they are fixed.
        form.add_error(None, missing)
    if valid and not missing:
        try:
            services.verification_submit(
                verification=verification,
                consent_id_data=form.cleaned_data["consent_id_data"],
                consent_face=form.cleaned_data["consent_face"],
            )
        except services.VerificationError as error:
            form.add_error(None, error.message)
        else:
            return redirect("identity:status")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "identity/step3.html",
        {
            "verification": verification,
            "steps": STEPS,
            "current_step": 2,
            "form": form,
            "slots": _slot_rows(verification),
            "consent_version": services.CONSENT_VERSION,
        },
        status=status,
    )


@upload_limit("IDENTITY_UPLOAD_MAX_BYTES")
@identity_applicant_required
@require_POST
def upload(request, slot: str):
    """Upload one document; answer with its row (htmx) or go back to step 3."""
    verification = _open_or_status(request)
    if verification is None:
        return redirect("identity:status")
    verification = _opened(request, verification)
    form = UploadForm(request.POST, request.FILES)
    error = upload_refusal(request) or (None if form.is_valid() else _("请选择要上传的文件。"))
    if error is None:
        upload_file = form.cleaned_data["file"]
        try:
            services.verification_upload(verification=verification, slot=slot, data=upload_file.read())
        except services.VerificationError as rejection:
            error = rejection.message
    if request.headers.get("HX-Request"):
        row = next((row for row in _slot_rows(verification) if row["slot"] == slot), None)
        if row is None:
            return render(request, "identity/_upload_error.html", {"error": error}, status=404)
        return render(
            request, "identity/_slot.html", {"row": row, "error": error}, status=400 if error else 200
        )
    if error:
        messages.error(request, error)
    return redirect("identity:step3")


@identity_applicant_required
@require_GET
def slot_row(request, slot: str):
    """Return one upload row (htmx polls it while the checks run)."""
    verification = verification_latest(account=request.user)
    row = (
        next((row for row in _slot_rows(verification) if row["slot"] == slot), None) if verification else None
    )
    if row is None:
        return render(request, "identity/_upload_error.html", {"error": _("没有这项材料。")}, status=404)
    return render(request, "identity/_slot.html", {"row": row})


@identity_applicant_required
@require_GET
def document(request, slot: str):
    """Show the applicant their own uploaded document."""
    item = document_for_owner(account=request.user, slot=slot)
    return private_file_response(
        content=open_private_file(item.storage_name),
        filename=f"{item.slot}.{item.storage_name.rsplit('.', 1)[-1]}",
        content_type=item.content_type,
        as_attachment=False,
    )


@identity_applicant_required
@require_GET
def status(request):
    """Step 4 (审核信息): where the verification stands, with the reasons of a rejection."""
    verification = verification_latest(account=request.user)
    if verification is None:
        return redirect("identity:start")
    if verification.is_editable:
        return redirect("identity:start")
    return render(
        request,
        "identity/status.html",
        {
            "verification": verification,
            "steps": STEPS,
            "current_step": 3,
            "reasons": verification.rejection_reasons.all(),
        },
    )


@identity_applicant_required
@require_POST
def revise(request):
    """Open a new round after a rejection (修改信息) or to re-verify after approval."""
    latest = verification_latest(account=request.user)
    if latest is None or latest.status not in (Verification.Status.REJECTED, Verification.Status.APPROVED):
        return redirect("identity:start")
    services.verification_open(account=request.user)
    return redirect("identity:step2")


@identity_applicant_required
@require_GET
def authorization_letter(request):
    """Download the institution's 授权书, filled in from the entered details, to sign and seal."""
    verification = _open_or_status(request) or verification_latest(account=request.user)
    if verification.kind != Verification.Kind.INSTITUTION or verification.step < 2:
        messages.error(request, _("请先填写机构信息，再下载授权书。"))
        return redirect("identity:step2")
    return private_file_response(
        content=authorization_letter_for(verification),
        filename="授权书.pdf",
        content_type="application/pdf",
    )
