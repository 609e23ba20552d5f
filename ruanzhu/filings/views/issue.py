"""确认 and after: the summary, 出申请表 with one code per owner, 确认填报, the detail page and 撤回."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import applicant_required
from ruanzhu.core.http import client_ip
from ruanzhu.core.masking import mask_phone
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.forms import CodeForm, WithdrawForm
from ruanzhu.filings.models import Filing, FilingParty
from ruanzhu.filings.selectors import (
    Purpose,
    documents_of,
    events_of,
    filing_for,
    mandate_letter_of,
    may,
)
from ruanzhu.filings.services.documents import SIGNATURE_PAGE
from ruanzhu.filings.services.issue import (
    completeness_problems,
    confirming_parties,
    form_confirm_in_account,
    form_confirm_with_code,
    form_request_codes,
)
from ruanzhu.filings.services.submission import filing_submit, filing_withdraw
from ruanzhu.filings.services.versions import awaiting_party, confirmed_party_ids
from ruanzhu.filings.states import WITHDRAWABLE, Status
from ruanzhu.filings.views.common import (
    REFUSALS,
    SAVE_TO_DRAFTS,
    confirmations_voided,
    refusal_message,
    step_url,
)
from ruanzhu.filings.views.files import FORM_VALID

# The form's sections as the summary shows them: a heading and a list of label and value per section.
SUMMARY_SECTION = '\n  <h3>{}</h3>\n  <dl class="details">{}</dl>\n  '
SUMMARY_ROW = "<dt>{}</dt><dd>{}</dd>"


def _translated(label) -> str:
    """Return what ``{% translate label %}`` gives for a label held in a variable (its % signs included)."""
    return _(str(label).replace("%", "%%")).replace("%%", "%")


def sections_html(sections) -> str:
    """Return the summary's sections as the template rendered them, label by label (a filing has about forty).

    Each value is shown as ``{{ value|default:"—"|linebreaksbr }}`` would show it: escaped, lines kept.
    """
    return format_html_join(
        "",
        SUMMARY_SECTION,
        (
            (
                _translated(title),
                format_html_join(
                    "",
                    SUMMARY_ROW,
                    (
                        (_translated(label), linebreaksbr(value or "—", autoescape=True))
                        for label, value in rows
                    ),
                ),
            )
            for title, rows in sections
        ),
    )


def summary_context(filing: Filing) -> dict:
    """Return what the read-only summary shows: the form's sections, the owners and the documents."""
    definition = definition_for(filing.service)
    # Confirmations of the current version only: one given to an earlier version counts for nothing.
    confirmed = confirmed_party_ids(filing)
    owners = [
        {
            "party": party,
            "phone": mask_phone(party.account.phone),
            "verified": party.account.is_verified_identity,
            "confirmed": party.pk in confirmed,
        }
        if party.status == FilingParty.Status.ACCEPTED
        # An invitation shows only what the filer typed, masked: nothing of the account behind it.
        else {"party": party, "invited": True}
        for party in confirming_parties(filing).order_by("position", "id")
    ]
    documents = [
        {"document": document, "label": _document_label(definition, document.kind)}
        for document in documents_of(filing)
    ]
    return {
        "definition": definition,
        "sections_html": sections_html(definition.form_sections(filing.details)),
        "owners": owners,
        "documents": documents,
        "form_available": filing.status in FORM_VALID and bool(filing.form_storage_name),
    }


def _document_label(definition, kind: str) -> str:
    if kind == SIGNATURE_PAGE:
        return _("申请确认签章页")
    spec = definition.document(kind)
    return str(spec.label) if spec else kind


def _awaiting(filing: Filing, user) -> bool:
    """Return whether ``user`` is an owner who has yet to confirm the current form (or a 补正's new version)."""
    return awaiting_party(filing, user)


def confirm_page(request, filing: Filing, definition):
    """The 确认 step: the summary, what is missing, 保存至草稿箱 and the 出申请表 panel."""
    if request.method == "POST":
        # Everything was saved on the steps before: 保存至草稿箱 here only leaves the wizard.
        if request.POST.get("action") == SAVE_TO_DRAFTS:
            messages.success(request, _("已保存至草稿箱。"))
        return redirect("filings:mine")
    context = {
        "filing": filing,
        "steps": definition.steps,
        "current_step": definition.step_index("confirm"),
        "reached_step": filing.step,
        "problems": completeness_problems(filing) if filing.status == Status.DRAFT else [],
        "voided": confirmations_voided(filing),
        "code_form": CodeForm(),
        "signature_page": filing.documents.filter(kind=SIGNATURE_PAGE).first(),
        **summary_context(filing),
    }
    return render(request, "filings/confirm.html", context)


@applicant_required
@require_POST
def codes_send(request, pk: int):
    """出申请表（发送验证码）: freeze the form and send one code to each owner's phone."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    try:
        reached = form_request_codes(filing=filing, by=request.user, ip=client_ip(request))
    except REFUSALS as error:
        for line in refusal_message(error).splitlines():
            messages.error(request, line)
    else:
        messages.success(request, _("验证码已发送：%(owners)s。") % {"owners": "；".join(reached)})
    return redirect(step_url(filing, "confirm") + "#issue")


@applicant_required
@require_POST
def code_confirm(request, pk: int):
    """Record an owner's confirmation with the code the owner relayed to the filer."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    form = CodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请输入6位验证码。"))
    else:
        try:
            filing = form_confirm_with_code(
                filing=filing,
                by=request.user,
                party_id=form.cleaned_data["party_id"],
                code=form.cleaned_data["code"].strip(),
            )
        except REFUSALS as error:
            messages.error(request, refusal_message(error))
        else:
            if filing.status == Status.FORM_ISSUED:
                messages.success(request, _("全部著作权人已确认，申请表已生成。"))
            else:
                messages.success(request, _("验证码正确，已确认。"))
    if filing.status == Status.CORRECTION:
        # The codes of a 补正's new version are entered on the 补正 page.
        return redirect("examination_applicant:correction", pk=filing.pk)
    return redirect(step_url(filing, "confirm") + "#issue")


@applicant_required
@require_POST
def confirm_mine(request, pk: int):
    """An owner confirms the current form from its own account (待我确认)."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.CONFIRM)
    try:
        form_confirm_in_account(filing=filing, account=request.user)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, _("您已确认本申请的申请表内容。"))
    return redirect("filings:detail", filing.pk)


@applicant_required
@require_POST
def submit(request, pk: int):
    """确认填报: submit the issued form with its signed signature page; the filing is then locked."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    try:
        filing = filing_submit(filing=filing, by=request.user)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
        if filing.is_editable:
            return redirect(step_url(filing, "confirm") + "#issue")
        return redirect("filings:detail", filing.pk)
    messages.success(request, _("申请已提交，等待受理。"))
    return redirect("filings:detail", filing.pk)


@applicant_required
@require_POST
def withdraw(request, pk: int):
    """撤回: the filer withdraws the filing before a decision, giving a reason."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
    else:
        try:
            filing_withdraw(filing=filing, by=request.user, reason=form.cleaned_data["reason"])
        except REFUSALS as error:
            messages.error(request, refusal_message(error))
        else:
            messages.success(request, _("申请已撤回。"))
    return redirect("filings:detail", filing.pk)


@applicant_required
@require_GET
def detail(request, pk: int):
    """Show a filing to anyone who may see it; owners who did not file it see it read-only."""
    filing = filing_for(
        request.user, pk=pk, purpose=Purpose.VIEW, also=(Purpose.EDIT, Purpose.MANDATE_LETTER)
    )
    editor = may(request.user, filing, Purpose.EDIT)
    labels = dict(Status.choices)
    context = {
        "filing": filing,
        "title": filing.title or filing.get_service_display(),
        "agent_block": filing.agent_block if filing.agent_id else None,
        # The signed 委托书 is between the agent and its client: co-owners do not get it.
        "mandate_letter": mandate_letter_of(filing)
        if may(request.user, filing, Purpose.MANDATE_LETTER)
        else None,
        "editable": editor and filing.is_editable,
        "editor": editor,
        "awaiting_me": _awaiting(filing, request.user),
        "withdrawable": editor
        and filing.status in WITHDRAWABLE
        and not (filing.status == Status.DRAFT and not filing.flow_number),
        "deletable": editor and filing.status == Status.DRAFT and not filing.flow_number,
        "withdraw_form": WithdrawForm(),
        "events": [
            {
                "at": event.created_at,
                "label": labels.get(event.to_status, event.to_status),
                "note": event.note,
            }
            for event in events_of(filing)
        ],
        **summary_context(filing),
    }
    return render(request, "filings/detail.html", context)
