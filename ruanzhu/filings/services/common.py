from django.utils.translation import gettext as _

from ruanzhu.core.errors import ApplicationError
from ruanzhu.core.review import item_lock, item_transition
from ruanzhu.filings.models import Filing
from ruanzhu.filings.states import Status


class FilingError(ApplicationError):
    """An action on a filing that is not possible now; ``message`` is shown to the user."""


def lock(filing: Filing) -> Filing:
    """Return the filing again under a row lock (inside a transaction)."""
    return item_lock(filing)


def require_editable(filing: Filing) -> None:
    if not filing.is_editable:
        raise FilingError(_("申请已提交，不能再修改。"))


def move(filing: Filing, to_status: str, *, by, note: str = "") -> None:
    """Change the status through the state machine (records the event); the caller saves the filing."""
    item_transition(item=filing, to_status=to_status, by=by, note=note, require_claim=False)


def content_changed(filing: Filing, *, by) -> None:
    """Note an edit of a locked filing's content: the form version put to the owners, the codes already sent and
    the confirmations become void; the next 出申请表 freezes a new version, whatever its content."""
    if filing.status in (Status.AWAITING_CODES, Status.FORM_ISSUED):
        move(filing, Status.DRAFT, by=by, note=_("申请内容已修改，著作权人确认作废，需重新出申请表。"))
        filing.fingerprint = ""
        filing.form_issued_at = None
        filing.save()
