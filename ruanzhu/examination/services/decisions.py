"""Decisions: 准予登记 as the service's definition approves, with a signed certificate, or 不予登记 on a ground."""

from collections.abc import Collection

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ruanzhu.core.files import read_private_file, store_private_file
from ruanzhu.core.models import ReasonCode
from ruanzhu.core.review import ReviewError
from ruanzhu.documents.certificate import certificate_pdf, sign_pdf
from ruanzhu.examination.models import Certificate
from ruanzhu.examination.services.common import notify_parties, transition
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.definitions import Approval, definition_for
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services.versions import require_confirmed_version
from ruanzhu.filings.states import Status
from ruanzhu.notifications.messages import Text


def certificate_issue(*, filing: Filing, approval: Approval) -> Certificate:
    """Sign the certificate an approval issues and keep it with the filing."""
    key_pem, cert_pem = signing_identity()
    pdf = sign_pdf(certificate_pdf(approval.certificate), key_pem=key_pem, cert_pem=cert_pem)
    return Certificate.objects.create(
        filing=filing,
        registration=approval.registration,
        kind=approval.kind,
        certificate_number=approval.number,
        storage_name=store_private_file(content=pdf, folder="certificates", suffix=".pdf"),
    )


def checklist_missing(filing: Filing, checked: Collection[str]) -> list[str]:
    """Return the labels of the service's checklist items that the examiner has not ticked."""
    checklist = definition_for(filing.service).checklist_for(filing)
    return [str(item.label) for item in checklist if item.key not in checked]


@transaction.atomic
def filing_register(*, filing: Filing, by, checked: Collection[str]) -> Filing:
    """Decide 已登记 once every item of the service's checklist is ticked, and do what its approval does."""
    # The certificate is made from a form version every confirming party confirmed, never from other content.
    require_confirmed_version(filing)
    definition = definition_for(filing.service)
    ticked = "；".join(str(item.label) for item in definition.checklist_for(filing))
    note = _("准予登记") + (_("（已核对：%(items)s）") % {"items": ticked} if ticked else "")
    # The transition checks the claim and the state first; a missing tick then undoes it with the rest.
    filing = transition(filing, Status.REGISTERED, by=by, note=note)
    missing = checklist_missing(filing, checked)
    if missing:
        raise ReviewError(_("请逐项核对审查要点后再准予登记：%(items)s。") % {"items": "；".join(missing)})
    problems = definition.approval_problems(filing)
    if problems:
        raise ReviewError("\n".join(problems))
    certificate = certificate_issue(filing=filing, approval=definition.approve(filing, by))
    notify_parties(
        filing,
        title=Text(gettext_noop("登记通知")),
        body=Text(
            gettext_noop(
                "%(title)s已登记，登记号%(number)s，证书号%(certificate)s。可在“我的申请”中下载电子证书。"
            ),
            title=filing.title,
            number=certificate.registration.registration_number,
            certificate=certificate.certificate_number,
        ),
    )
    return filing


@transaction.atomic
def filing_refuse(*, filing: Filing, by, ground: ReasonCode, note: str = "") -> Filing:
    """Decide 不予登记 on a ground of SPEC §10: an active reason code of the examination queue."""
    if not (
        isinstance(ground, ReasonCode) and ground.queue == ReasonCode.Queue.EXAMINATION and ground.is_active
    ):
        raise ReviewError(_("请选择不予登记的理由。"))
    filing = transition(filing, Status.REFUSED, by=by, note=f"{ground.label}{'：' + note if note else ''}")
    notify_parties(
        filing,
        title=Text(gettext_noop("不予登记通知")),
        body=Text(
            gettext_noop("%(title)s（流水号%(flow)s）不予登记：%(ground)s。"),
            title=filing.title,
            flow=filing.flow_number,
            ground=ground.clause,
        ),
    )
    return filing


def certificate_content(certificate: Certificate) -> bytes:
    return read_private_file(certificate.storage_name)
