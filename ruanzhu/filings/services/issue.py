"""出申请表: freeze the form as a new version, collect one confirmation per owner, then number and render it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.files import store_private_file
from ruanzhu.core.masking import mask_phone
from ruanzhu.filings.access import is_agent, mandate_of
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.forms_pdf import application_form_for
from ruanzhu.filings.models import Confirmation, DailySequence, Filing, FilingParty, FormVersion
from ruanzhu.filings.services.agency import agent_block_store, mandate_not_in_force_error
from ruanzhu.filings.services.common import FilingError, lock, move, require_editable
from ruanzhu.filings.services.parties import invitation_problems, parties_refresh
from ruanzhu.filings.services.versions import (
    awaits_confirmation,
    confirming_parties,
    fingerprint_of,
    pending_parties,
    version_current,
    version_freeze,
    version_mark_confirmed,
)
from ruanzhu.filings.states import Status
from ruanzhu.identity.selectors import verified_identity_of
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.services import CodeRejected, SendRefused, code_about_room, code_send, code_verify

__all__ = ["confirming_parties", "fingerprint_of"]  # kept importable from here


def code_subject(filing: Filing) -> str:
    """Bind a code to this filing and this version of its form: another filing or version never matches, even
    one with the same content again."""
    return f"filing:{filing.pk}:v{filing.form_version}:{filing.fingerprint[:16]}"


def _shorten(text: str, room: int) -> str:
    room = max(room, 1)
    return text if len(text) <= room else text[: room - 1] + "…"


# The software name keeps at least this many characters when the filer's name is long too.
SOFTWARE_NAME_MIN = 8


def code_about(filing: Filing, *, action: str) -> str:
    """Return what a filing's code approves, for its SMS: the filer, the software, the action and the service.

    The software name (and, if need be, the filer's name) is shortened so that the message fits one segment.
    """
    identity = verified_identity_of(filing.filer)
    filer = (identity.name if identity else "") or filing.filer.display_name
    software = filing.title or _("未命名软件")
    version = str(filing.details.get("version") or "")
    if version and not software.endswith(version):
        software += version
    template = _("%(filer)s申请对《%(software)s》%(action)s（%(service)s）")
    values = {"filer": "", "software": "", "action": action, "service": filing.service}
    room = code_about_room(Purpose.FILING_CONFIRM) - len(template % values)
    if len(filer) + len(software) > room:
        software = _shorten(software, max(room - len(filer), min(len(software), SOFTWARE_NAME_MIN)))
        filer = _shorten(filer, room - len(software))
    return template % {**values, "filer": filer, "software": software}


def codes_send(*, filing: Filing, parties, by, ip: str | None, action: str) -> list[str]:
    """Send one code to each party's own phone, inside the caller's transaction; return the masked phones.

    If any send is refused (the per-minute limit, a daily cap …), raise FilingError naming whom and why: the
    caller's transaction then rolls back every code and every change it made, so a refused send changes nothing.
    """
    subject, about = code_subject(filing), code_about(filing, action=action)
    # An agent sends for its clients from one office: the office's limits, not one person's.
    office = filing.agent_id == by.pk and is_agent(by)
    reached, refusals = [], []
    for party in parties:
        try:
            with transaction.atomic():
                code_send(
                    phone=party.account.phone,
                    purpose=Purpose.FILING_CONFIRM,
                    subject=subject,
                    ip=ip,
                    account=by,
                    about=about,
                    office=office,
                )
        except SendRefused as refusal:
            refusals.append(f"{party.name}：{refusal.message}")
        else:
            reached.append(f"{party.name} {mask_phone(party.account.phone)}")
    if refusals:
        raise FilingError("\n".join([_("验证码未能发送，申请表未作任何更改："), *refusals]))
    return reached


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
    problems.extend(invitation_problems(filing))
    return problems


@transaction.atomic
def form_request_codes(*, filing: Filing, by, ip: str | None = None) -> list[str]:
    """Freeze the form as a new version and send one code to each owner's own phone; return the masked phones.

    Every code must go out, or nothing changes: no version, no status, no code (see ``codes_send``).
    """
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
            _("以下著作权人尚未通过实名认证，不能出申请表：%(names)s。") % {"names": "、".join(unverified)}
        )
    if problems:
        raise FilingError("\n".join(problems))
    # A draft always gets a new version, even with the content of an earlier one (A → B → A); sending the codes
    # again keeps the version unless its content changed meanwhile (a party's verified details …).
    version = version_current(filing) if filing.status == Status.AWAITING_CODES else None
    if version is None or version.fingerprint != fingerprint_of(filing):
        version = version_freeze(filing=filing, by=by)
    if filing.status == Status.DRAFT:
        move(filing, Status.AWAITING_CODES, by=by)
    filing.save()
    return codes_send(
        filing=filing, parties=list(pending_parties(filing, version)), by=by, ip=ip, action=_("出申请表")
    )


def form_confirm_with_code(*, filing: Filing, by, party_id: int, code: str) -> Filing:
    """Record an owner's confirmation with the code sent to its phone; issue the form once all confirmed."""
    party = FilingParty.objects.select_related("account").filter(filing=filing, pk=party_id).first()
    if party is None:
        raise FilingError(_("没有这位著作权人。"))
    if not awaits_confirmation(filing):
        raise FilingError(_("当前不需要验证码确认。"))
    # Outside the transaction below: a wrong guess must stay counted.
    try:
        code_verify(
            phone=party.account.phone, purpose=Purpose.FILING_CONFIRM, subject=code_subject(filing), code=code
        )
    except CodeRejected as rejection:
        raise FilingError(rejection.message) from None
    return _confirm(filing=filing, party=party, by=by, via=Confirmation.Via.CODE, version=filing.form_version)


def form_confirm_in_account(*, filing: Filing, account) -> Filing:
    """Let an owner confirm the current form from its own account instead of relaying the code."""
    party = confirming_parties(filing).filter(account=account).first()
    if party is None:
        raise FilingError(_("您不是本申请的著作权人。"))
    if not awaits_confirmation(filing):
        raise FilingError(_("当前不需要确认。"))
    return _confirm(
        filing=filing, party=party, by=account, via=Confirmation.Via.ACCOUNT, version=filing.form_version
    )


def _confirm(*, filing: Filing, party: FilingParty, by, via: str, version: int) -> Filing:
    """Record the confirmation of version number ``version``, the one the party was shown or sent a code for."""
    with transaction.atomic():
        filing = lock(filing)
        current = version_current(filing)
        if (
            current is not None
            and current.number == version
            and current.confirmations.filter(party=party).exists()
        ):
            return filing  # confirmed already: a double click or a retried request, perhaps the one that issued it
        if not awaits_confirmation(filing) or current is None or current.number != version:
            raise FilingError(_("申请内容已修改，请重新出申请表。"))
        if filing.agent_id and mandate_of(filing) is None:
            # Its agent block would print a mandate that is no longer in force.
            raise mandate_not_in_force_error()
        Confirmation.objects.get_or_create(
            party=party,
            version=current,
            defaults={"filing": filing, "fingerprint": current.fingerprint, "via": via},
        )
        if not pending_parties(filing, current).exists():
            version_mark_confirmed(current)
            if filing.status == Status.AWAITING_CODES:
                _issue(filing, current, by=by)
            else:
                # A 补正's version: the form is rendered again for its new signature page; the 补正 is answered
                # once that page is uploaded (examination.services.corrections).
                form_render(filing, current)
                filing.save()
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


def form_render(filing: Filing, version: FormVersion) -> None:
    """Render and store the form of the filing's current version (the caller saves the filing)."""
    if not filing.flow_number:
        filing.flow_number = flow_number_next(service=filing.service)
    filing.form_issued_at = timezone.now()
    version.rendered_at = filing.form_issued_at
    version.save(update_fields=["rendered_at"])
    pdf = application_form_for(filing, version=version)
    filing.form_storage_name = store_private_file(content=pdf, folder="forms", suffix=".pdf")


def _issue(filing: Filing, version: FormVersion, *, by) -> None:
    form_render(filing, version)
    move(filing, Status.FORM_ISSUED, by=by)
    filing.save()
