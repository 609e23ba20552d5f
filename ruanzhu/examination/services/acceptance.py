"""Acceptance: 已受理 with its notice, 不予受理 with a reason, and the start of the examination."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ruanzhu.core.review import ReviewError
from ruanzhu.examination.services.common import notify_parties, transition
from ruanzhu.filings.models import Filing
from ruanzhu.filings.states import Status
from ruanzhu.notifications.messages import Text


@transaction.atomic
def filing_accept(*, filing: Filing, by) -> Filing:
    """Accept (已受理) a submitted filing whose materials are complete, and send the acceptance notice."""
    filing = transition(filing, Status.ACCEPTED, by=by, note=_("材料齐全，予以受理。"))
    notify_parties(
        filing,
        title=Text(gettext_noop("受理通知")),
        body=Text(
            gettext_noop("%(title)s（流水号%(flow)s）已受理，进入审查。"),
            title=filing.title,
            flow=filing.flow_number,
        ),
    )
    return filing


@transaction.atomic
def filing_reject_acceptance(*, filing: Filing, by, reason: str) -> Filing:
    """Refuse acceptance (不予受理): a duplicate or incomplete materials."""
    if not reason.strip():
        raise ReviewError(_("请说明不予受理的理由。"))
    filing = transition(filing, Status.NOT_ACCEPTED, by=by, note=reason.strip())
    notify_parties(
        filing,
        title=Text(gettext_noop("不予受理通知")),
        body=Text(
            gettext_noop("%(title)s（流水号%(flow)s）不予受理：%(reason)s"),
            title=filing.title,
            flow=filing.flow_number,
            reason=reason.strip(),
        ),
    )
    return filing


@transaction.atomic
def examination_start(*, filing: Filing, by) -> Filing:
    """Open the examination of an accepted filing (审查中)."""
    return transition(filing, Status.EXAMINING, by=by)
