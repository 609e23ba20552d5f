"""出申请表: freeze the form's fingerprint, collect one confirmation per owner, then number and render it."""

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.files import store_private_file
from ruanzhu.core.masking import mask_phone
from ruanzhu.filings.access import mandate_of
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import Confirmation, DailySequence, Filing, FilingParty, PartyRole
from ruanzhu.filings.services.agency import agent_block_store, mandate_not_in_force_error
from ruanzhu.filings.services.common import FilingError, lock, move, require_editable
from ruanzhu.filings.services.documents import SIGNATURE_PAGE
from ruanzhu.filings.services.parties import parties_refresh
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.services import CodeRejected, SendRefused, code_send, code_verify


def fingerprint_of(filing: Filing) -> str:
    """Return the SHA-256 of the form's canonical content: details, parties, agent block and document hashes."""
    parties = [
        [
            party.role,
            party.account_id,
            party.name,
            party.category,
            party.id_type,
            hashlib.sha256(party.id_number.encode()).hexdigest(),
            party.nationality,
            party.province,
            party.city,
        ]
        for party in filing.parties.order_by("position", "id")
    ]
    documents = sorted(
        [document.kind, document.sha256] for document in filing.documents.exclude(kind=SIGNATURE_PAGE)
    )
    canonical = {
        "service": filing.service,
        "applicant": filing.applicant_id,
        "agent": filing.agent_id,
        "mandate": filing.mandate_id,
        "agent_block": filing.agent_block,
        "details": filing.details,
        "parties": parties,
        "documents": documents,
    }
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def code_subject(filing: Filing) -> str:
    """Bind a code to this filing and this version of its form: another filing or an edit never matches."""
    return f"filing:{filing.pk}:{filing.fingerprint[:16]}"


def confirming_parties(filing: Filing):
    return filing.parties.filter(
        role__in=[PartyRole.OWNER, PartyRole.TRANSFEROR, PartyRole.TRANSFEREE]
    ).select_related("account")


def completeness_problems(filing: Filing) -> list[str]:
    """Return what stops the form from being issued, in the user's language (empty: ready)."""
    definition = definition_for(filing.service)
    problems = []
    for step in definition.form_steps:
        form = step.form_class(data=filing.details)
        if not form.is_valid():
            problems.append(_("“%(step)s”尚未填写完整。") % {"step": step.label})
    documents = {document.kind: document for document in filing.documents.all()}
    for spec in definition.documents:
        if not spec.required(filing.details):
            continue
        document = documents.get(spec.kind)
        if document is None:
            problems.append(_("请上传%(label)s。") % {"label": spec.label})
        elif document.problems:
            problems.append(
                _("%(label)s不符合要求：%(problem)s")
                % {"label": spec.label, "problem": document.problems[0]["message"]}
            )
    owners = confirming_parties(filing)
    if filing.details.get("owner_type") == "joint" and owners.count() < 2:
        problems.append(_("共有著作权须添加至少两位著作权人。"))
    problems.extend(definition.issue_problems(filing))
    return problems


def form_request_codes(*, filing: Filing, by, ip: str | None = None) -> list[str]:
    """Freeze the form and send one code to each owner's own phone; return the masked phones reached."""
    with transaction.atomic():
        filing = lock(filing)
        require_editable(filing)
        if filing.status == Status.FORM_ISSUED:
            raise FilingError(_("申请表已出表。如需修改，请先修改申请内容。"))
        if filing.agent_id:
            # The form prints the agent block of the mandate in force when it is frozen.
            mandate = mandate_of(filing)
            if mandate is None:
                raise mandate_not_in_force_error()
            agent_block_store(filing=filing, mandate=mandate)
        problems = completeness_problems(filing)
        unverified = parties_refresh(filing=filing)
        if unverified:
            problems.append(
                _("以下著作权人尚未通过实名认证，不能出申请表：%(names)s。")
                % {"names": "、".join(unverified)}
            )
        if problems:
            raise FilingError("\n".join(problems))
        filing.fingerprint = fingerprint_of(filing)
        if filing.status == Status.DRAFT:
            move(filing, Status.AWAITING_CODES, by=by)
        filing.save()
        owners = list(confirming_parties(filing).exclude(confirmations__fingerprint=filing.fingerprint))
        subject = code_subject(filing)
    reached, refusals = [], []
    for party in owners:
        try:
            code_send(
                phone=party.account.phone, purpose=Purpose.FILING_CONFIRM, subject=subject, ip=ip, account=by
            )
        except SendRefused as refusal:
            refusals.append(f"{party.name}：{refusal.message}")
        else:
            reached.append(f"{party.name} {mask_phone(party.account.phone)}")
    if refusals and not reached:
        raise FilingError("\n".join(refusals))
    return reached + refusals


def form_confirm_with_code(*, filing: Filing, by, party_id: int, code: str) -> Filing:
    """Record an owner's confirmation with the code sent to its phone; issue the form once all confirmed."""
    party = FilingParty.objects.select_related("account").filter(filing=filing, pk=party_id).first()
    if party is None:
        raise FilingError(_("没有这位著作权人。"))
    if filing.status != Status.AWAITING_CODES:
        raise FilingError(_("当前不需要验证码确认。"))
    # Outside the transaction below: a wrong guess must stay counted.
    try:
        code_verify(
            phone=party.account.phone, purpose=Purpose.FILING_CONFIRM, subject=code_subject(filing), code=code
        )
    except CodeRejected as rejection:
        raise FilingError(rejection.message) from None
    return _confirm(filing=filing, party=party, by=by, via=Confirmation.Via.CODE)


def form_confirm_in_account(*, filing: Filing, account) -> Filing:
    """Let an owner confirm the current form from its own account instead of relaying the code."""
    party = confirming_parties(filing).filter(account=account).first()
    if party is None:
        raise FilingError(_("您不是本申请的著作权人。"))
    if filing.status != Status.AWAITING_CODES:
        raise FilingError(_("当前不需要确认。"))
    return _confirm(filing=filing, party=party, by=account, via=Confirmation.Via.ACCOUNT)


def _confirm(*, filing: Filing, party: FilingParty, by, via: str) -> Filing:
    with transaction.atomic():
        filing = lock(filing)
        if filing.status != Status.AWAITING_CODES:
            raise FilingError(_("申请内容已修改，请重新出申请表。"))
        if filing.agent_id and mandate_of(filing) is None:
            # Its agent block would print a mandate that is no longer in force.
            raise mandate_not_in_force_error()
        Confirmation.objects.get_or_create(
            filing=filing, party=party, fingerprint=filing.fingerprint, defaults={"via": via}
        )
        pending = confirming_parties(filing).exclude(confirmations__fingerprint=filing.fingerprint)
        if not pending.exists():
            _issue(filing, by=by)
    return filing


def flow_number_next(*, service: str) -> str:
    """Return the next flow number of the day: the service code, YYYYMMDD and a 6-digit daily sequence, gap-free."""
    day = timezone.localdate()
    with transaction.atomic():
        DailySequence.objects.get_or_create(prefix=service, day=day)
        sequence = DailySequence.objects.select_for_update().get(prefix=service, day=day)
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return f"{service}{day:%Y%m%d}{sequence.last:06d}"


def _issue(filing: Filing, *, by) -> None:
    from ruanzhu.filings.forms_pdf import application_form_for

    if not filing.flow_number:
        filing.flow_number = flow_number_next(service=filing.service)
    filing.form_issued_at = timezone.now()
    pdf = application_form_for(filing)
    filing.form_storage_name = store_private_file(content=pdf, folder="forms", suffix=".pdf")
    move(filing, Status.FORM_ISSUED, by=by)
    filing.save()


def verification_url(filing: Filing) -> str:
    return settings.SITE_URL + reverse("filings:form_verify", args=[filing.flow_number])
