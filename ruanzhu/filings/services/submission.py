"""确认填报 and 撤回."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services.common import FilingError, lock, move
from ruanzhu.filings.services.documents import SIGNATURE_PAGE
from ruanzhu.filings.services.versions import version_current
from ruanzhu.filings.states import DECIDED, WITHDRAWABLE, Status
from ruanzhu.notifications.messages import Text
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
        signature_page = filing.documents.filter(kind=SIGNATURE_PAGE).first()
        if signature_page is None:
            raise FilingError(_("请上传签章后的申请确认签章页。"))
        version = version_current(filing)
        if version is not None and signature_page.uploaded_at < version.issued_at:
            # A page signed for an earlier version of the form does not sign this one.
            raise FilingError(
                _("签章页是为第%(number)d版之前的申请表上传的，请上传第%(number)d版申请表签章后的签章页。")
                % {"number": version.number}
            )
        move(filing, Status.SUBMITTED, by=by)
        filing.submitted_at = timezone.now()
        filing.save()
        record_role = definition_for(filing.service).record_role
        for party in filing.joined_parties():
            # An owner of record hears by text message too: the application changes their record.
            notify(
                recipient=party.account,
                title=Text(gettext_noop("登记申请已提交")),
                body=Text(
                    gettext_noop("%(title)s（流水号%(flow)s）已提交，等待受理。"),
                    title=filing.title,
                    flow=filing.flow_number,
                ),
                link=reverse("filings:detail", args=[filing.pk]),
                sms=bool(record_role) and party.role == record_role,
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
        if filing.flow_number:
            # Everyone who confirmed or was to confirm the form learns that it no longer stands.
            for account in filing.people_to_tell():
                notify(
                    recipient=account,
                    title=Text(gettext_noop("登记申请已撤回")),
                    body=Text(
                        gettext_noop("%(title)s（流水号%(flow)s）已由%(filer)s撤回。"),
                        title=filing.title,
                        flow=filing.flow_number,
                        filer=by.display_name,
                    ),
                    link=reverse("filings:detail", args=[filing.pk]),
                )
    return filing
