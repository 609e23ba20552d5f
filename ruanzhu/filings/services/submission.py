"""确认填报 and 撤回."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.filings.models import Filing
from ruanzhu.filings.services.common import FilingError, lock, move
from ruanzhu.filings.services.documents import SIGNATURE_PAGE
from ruanzhu.filings.states import DECIDED, WITHDRAWABLE, Status
from ruanzhu.notifications.services import notify


def filing_submit(*, filing: Filing, by) -> Filing:
    """Submit an issued form with its signed signature page; a repeated request changes nothing."""
    with transaction.atomic():
        filing = lock(filing)
        if filing.submitted_at is not None and filing.status not in (
            Status.DRAFT,
            Status.AWAITING_CODES,
            Status.FORM_ISSUED,
        ):
            return filing  # already submitted: a double click or a retried request
        if filing.status != Status.FORM_ISSUED:
            raise FilingError(_("请先出申请表，并由全部著作权人确认。"))
        if not filing.documents.filter(kind=SIGNATURE_PAGE).exists():
            raise FilingError(_("请上传签章后的申请确认签章页。"))
        move(filing, Status.SUBMITTED, by=by)
        filing.submitted_at = timezone.now()
        filing.save()
        for party in filing.parties.select_related("account"):
            notify(
                recipient=party.account,
                title=_("登记申请已提交"),
                body=_("%(title)s（流水号%(flow)s）已提交，等待受理。")
                % {"title": filing.title, "flow": filing.flow_number},
                link=reverse("filings:detail", args=[filing.pk]),
                sms=False,
            )
    return filing


def filing_withdraw(*, filing: Filing, by, reason: str = "") -> Filing:
    """Withdraw (撤回) a filing before its decision."""
    with transaction.atomic():
        filing = lock(filing)
        if filing.status in DECIDED or filing.status not in WITHDRAWABLE:
            raise FilingError(_("该申请已有处理结果，不能撤回。"))
        if filing.status == Status.DRAFT and not filing.flow_number:
            raise FilingError(_("草稿无需撤回，可以直接删除。"))
        move(filing, Status.WITHDRAWN, by=by, note=reason[:200])
        filing.save()
    return filing
