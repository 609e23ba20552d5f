"""What the applicant's filing views share: refusals, step links and upload rows, and telling the user what an
action changed."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _

from ruanzhu.core.review import ReviewError
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.states import Status

# What a refused action raises: the engine's own errors, and the state machine's.
REFUSALS = (FilingError, ReviewError)
ISSUING = (Status.AWAITING_CODES, Status.FORM_ISSUED)
# The button value of 保存至草稿箱 on every step.
SAVE_TO_DRAFTS = "draft"


def step_url(filing, slug: str) -> str:
    return reverse("filings:step", args=[filing.pk, slug])


def document_slots(filing, definition, slug: str, *, errors=None) -> list[dict]:
    """Return the upload rows of a step: deposits always, other documents when the filing needs them."""
    documents = {document.kind: document for document in filing.documents.all()}
    return [
        {"spec": spec, "document": documents.get(spec.kind), "error": (errors or {}).get(spec.kind, "")}
        for spec in definition.documents_for(slug)
        if spec.deposit or spec.required(filing.details)
    ]


def refusal_message(error: Exception) -> str:
    return getattr(error, "message", None) or str(error)


def note_voided(request, *, before: str, filing: Filing) -> None:
    """Tell the user when an edit voided the codes already sent and the owners' confirmations."""
    after = Filing.objects.filter(pk=filing.pk).values_list("status", flat=True).first()
    if before in ISSUING and after == Status.DRAFT:
        messages.warning(
            request, _("申请内容已修改，此前发送的验证码和著作权人的确认已作废，请重新出申请表。")
        )


def confirmations_voided(filing: Filing) -> bool:
    """Return whether the draft came back from 出申请表 because of an edit (and was not issued since)."""
    if filing.status != Status.DRAFT:
        return False
    last = filing.events.order_by("-created_at", "-id").first()
    return last is not None and last.from_status in ISSUING and last.to_status == Status.DRAFT
