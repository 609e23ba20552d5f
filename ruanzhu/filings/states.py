"""The one state machine of filings (SPEC §10). Services may restrict it; nothing may bypass it.

Every change of ``Filing.status`` goes through ``ruanzhu.core.review.item_transition`` with this table, which
also records the event (who, when, from, to, note).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    AWAITING_CODES = "awaiting_codes", _("待确认")
    FORM_ISSUED = "form_issued", _("待提交")
    SUBMITTED = "submitted", _("待受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    ACCEPTED = "accepted", _("已受理")
    EXAMINING = "examining", _("审查中")
    CORRECTION = "correction", _("待补正")
    REGISTERED = "registered", _("已登记")
    REFUSED = "refused", _("不予登记")
    WITHDRAWN = "withdrawn", _("撤回")
    DEEMED_WITHDRAWN = "deemed_withdrawn", _("视为撤回")


TRANSITIONS: dict[str, set[str]] = {
    # An edit after the codes were sent goes back to DRAFT (the confirmations are void).
    Status.DRAFT: {Status.AWAITING_CODES, Status.WITHDRAWN},
    Status.AWAITING_CODES: {Status.DRAFT, Status.FORM_ISSUED, Status.WITHDRAWN},
    Status.FORM_ISSUED: {Status.DRAFT, Status.SUBMITTED, Status.WITHDRAWN},
    Status.SUBMITTED: {Status.ACCEPTED, Status.NOT_ACCEPTED, Status.WITHDRAWN},
    Status.ACCEPTED: {Status.EXAMINING, Status.WITHDRAWN},
    Status.EXAMINING: {Status.CORRECTION, Status.REGISTERED, Status.REFUSED, Status.WITHDRAWN},
    Status.CORRECTION: {Status.EXAMINING, Status.DEEMED_WITHDRAWN, Status.WITHDRAWN},
    Status.NOT_ACCEPTED: set(),
    Status.REGISTERED: set(),
    Status.REFUSED: set(),
    Status.WITHDRAWN: set(),
    Status.DEEMED_WITHDRAWN: set(),
}

# Before submission the filing is the applicant's to edit; from then on only examination changes it.
EDITABLE = frozenset({Status.DRAFT, Status.AWAITING_CODES, Status.FORM_ISSUED})
# The filer may withdraw (撤回) at any time before a decision.
WITHDRAWABLE = frozenset(status for status, targets in TRANSITIONS.items() if Status.WITHDRAWN in targets)
DECIDED = frozenset(
    {Status.NOT_ACCEPTED, Status.REGISTERED, Status.REFUSED, Status.WITHDRAWN, Status.DEEMED_WITHDRAWN}
)
