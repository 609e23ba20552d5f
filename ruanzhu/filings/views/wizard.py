"""The applicant's wizard: 立即登记, the steps with their owners and uploads, 我的申请 and deleting a draft."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruanzhu.accounts.decorators import applicant_required, verified_required
from ruanzhu.filings.access import clients_of, is_agent
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.definitions.base import form_initial
from ruanzhu.filings.forms import FilerRoleForm, OwnerAddForm
from ruanzhu.filings.models import PartyRole
from ruanzhu.filings.selectors import (
    Purpose,
    awaiting_my_confirmation,
    filing_for,
    invitations_waiting,
    my_filings_page,
)
from ruanzhu.filings.services.agency import filing_create_for_client
from ruanzhu.filings.services.drafts import filing_create, filing_delete_draft, filing_save_step
from ruanzhu.filings.services.parties import owner_add, owner_remove
from ruanzhu.filings.states import Status
from ruanzhu.filings.views.common import (
    REFUSALS,
    SAVE_TO_DRAFTS,
    document_slots,
    note_voided,
    refusal_message,
    step_url,
)
from ruanzhu.filings.views.issue import confirm_page
from ruanzhu.portal import links
from ruanzhu.portal.links import reversed_once


def _fields(step, form):
    return [(field, step.show_when(field.name)) for field in form]


def _render_step(request, *, definition, step, form, filing=None, status=200, extra=None):
    context = {
        "definition": definition,
        "filing": filing,
        "steps": definition.steps,
        "current_step": definition.step_index(step.slug),
        "reached_step": filing.step if filing else 0,
        "step": step,
        "form": form,
        "fields": _fields(step, form),
        "notes": [note for note in step.notes if not filing or note.applies(filing.details)],
        **(extra or {}),
    }
    return render(request, "filings/step.html", context, status=status)


@verified_required
@require_http_methods(["GET", "POST"])
def start(request, code: str):
    """立即登记: the first step of a new application (the draft exists once that step is saved)."""
    try:
        definition = definition_for(code)
    except KeyError:
        raise Http404 from None
    step = definition.form_steps[0]
    form = step.form_class(request.POST or None)
    filer_form = _filer_form(request, code)
    if request.method == "POST" and form.is_valid() and (filer_form is None or filer_form.is_valid()):
        client = filer_form.cleaned_data["client"] if filer_form is not None else None
        try:
            # One transaction: a first step the service refuses (a change of a record its filer does not own) leaves no draft.
            with transaction.atomic():
                if client is not None:
                    filing = filing_create_for_client(service=code, agent=request.user, client=client)
                else:
                    filing = filing_create(service=code, applicant=request.user, filer=request.user)
                filing = filing_save_step(
                    filing=filing, by=request.user, step=step.slug, cleaned_data=form.cleaned_data
                )
        except REFUSALS as error:
            form.add_error(None, refusal_message(error))
        else:
            return _after_save(request, filing, definition, step)
    status = 400 if request.method == "POST" else 200
    return _render_step(
        request, definition=definition, step=step, form=form, status=status, extra={"filer_form": filer_form}
    )


def _filer_form(request, service: str) -> FilerRoleForm | None:
    """Return the 填报身份 choice for an agent's account (None for everyone else), with the clients whose
    mandate in force covers ``service``."""
    if not is_agent(request.user):
        return None
    clients = list(clients_of(request.user, service=service))
    return FilerRoleForm(request.POST or None, clients=clients)


def _missing_documents(filing, definition, slug: str) -> list[str]:
    documents = {document.kind: document for document in filing.documents.all()}
    missing = []
    for spec in definition.documents_for(slug):
        if not spec.required(filing.details):
            continue
        document = documents.get(spec.kind)
        if document is None:
            missing.append(_("请上传%(label)s。") % {"label": spec.label})
        elif document.problems:
            missing.append(_("%(label)s不符合要求，请重新上传。") % {"label": spec.label})
    return missing


def _after_save(request, filing, definition, step):
    if request.POST.get("action") == SAVE_TO_DRAFTS:
        messages.success(request, _("已保存至草稿箱。"))
        return redirect("filings:mine")
    missing = _missing_documents(filing, definition, step.slug)
    if missing:
        for line in missing:
            messages.error(request, line)
        return redirect(step_url(filing, step.slug))
    following = definition.steps[definition.step_index(step.slug) + 1]
    return redirect(step_url(filing, following.slug))


@applicant_required
@require_http_methods(["GET", "POST"])
def step(request, pk: int, slug: str):
    """One step of an application: its fields (and on some steps its owners and uploads)."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    definition = definition_for(filing.service)
    current = definition.step(slug)
    if current is None:
        raise Http404
    if not filing.is_editable:
        messages.error(request, _("申请已提交，不能再修改。"))
        return redirect("filings:detail", filing.pk)
    index = definition.step_index(slug)
    if index > filing.step:
        return redirect(step_url(filing, definition.steps[filing.step].slug))
    if current.form_class is None:
        return confirm_page(request, filing, definition)
    form = current.form_class(request.POST or None, initial=form_initial(filing.details))
    if request.method == "POST" and form.is_valid():
        before = filing.status
        try:
            filing = filing_save_step(
                filing=filing, by=request.user, step=slug, cleaned_data=form.cleaned_data
            )
        except REFUSALS as error:
            form.add_error(None, refusal_message(error))
        else:
            note_voided(request, before=before, filing=filing)
            return _after_save(request, filing, definition, current)
    extra = {"slots": document_slots(filing, definition, slug)}
    if slug == definition.parties_step:
        extra["parties"] = filing.parties.select_related("account")
        extra["owner_form"] = OwnerAddForm()
        extra["party_roles"] = [
            (role, label) for role, label in PartyRole.choices if role in definition.party_roles
        ]
    status = 400 if request.method == "POST" else 200
    return _render_step(
        request, definition=definition, step=current, form=form, filing=filing, status=status, extra=extra
    )


def _resume_slug(filing) -> str:
    """Return the step where the filer left off."""
    steps = definition_for(filing.service).steps
    return steps[min(filing.step, len(steps) - 1)].slug


@applicant_required
@require_GET
def mine(request):
    """我的申请: the filings the user files or owns, with their state, a page at a time, the latest change first."""
    page = my_filings_page(
        request.user, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    filings = page.rows
    awaiting_me = awaiting_my_confirmation(request.user, filings)
    token = get_token(request)
    return render(
        request,
        "filings/mine.html",
        {
            "rows": _my_filing_rows(filings, awaiting_me, token),
            "page": page,
            "invitations": invitations_waiting(request.user),
            # The rows' forms and the page's header share one token, as the template's tag would give them.
            "csrf_token": token,
        },
    )


# A row of 我的申请, its cells escaped as the template escapes a variable. The optional parts are filled in apart.
MY_FILING_ROW = """
    <tr data-testid="filing-{pk}">
      <td><a href="{detail_url}">{title}</a></td>
      <td>{service}</td>
      <td>{flow_number}</td>
      <td><span class="tag">{status}</span>{awaiting}</td>
      <td>{updated}</td>
      <td class="row-actions">
        {action}
        {delete}
      </td>
    </tr>"""
AWAITING_ME = ' <span class="tag tag-danger" data-testid="awaiting-me-{}">{}</span>'
EDIT_LINK = '<a href="{}" data-testid="edit-{}">{}</a>'
VIEW_LINK = '<a href="{}" data-testid="view-{}">{}</a>'
DELETE_FORM = """
        <form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">
          <button type="submit" class="link" data-confirm="{}" data-testid="delete-{}">{}</button>
        </form>
        """


def _my_filing_rows(filings, awaiting_me: set[int], token: str) -> list[str]:
    """Return the HTML of each filing's row: for 50 rows the template engine was a third of the page's CPU.

    Each link is reversed once for the list, each label translated once, and the time formatted as the template's
    date filter would.
    """
    labels = dict(Status.choices)
    untitled, awaiting_label, edit_label, view_label = _("未命名"), _("待我确认"), _("继续填报"), _("查看")
    delete_question, delete_label = _("确定删除这份草稿吗？"), _("删除")
    detail_url = reversed_once("filings:detail", links.ID)
    edit_url = reversed_once("filings:step", links.ID, links.SLUG)
    delete_url = reversed_once("filings:delete", links.ID)
    rows = []
    for filing in filings:
        pk, detail = filing.pk, detail_url(filing.pk)
        if filing.is_editable and filing.may_edit:
            action = format_html(EDIT_LINK, edit_url(pk, _resume_slug(filing)), pk, edit_label)
        else:
            action = format_html(VIEW_LINK, detail, pk, view_label)
        deletable = filing.status == Status.DRAFT and not filing.flow_number and filing.may_edit
        rows.append(
            format_html(
                MY_FILING_ROW,
                pk=pk,
                detail_url=detail,
                title=filing.title or untitled,
                service=filing.service,
                flow_number=filing.flow_number or "—",
                status=labels[filing.status],
                awaiting=format_html(AWAITING_ME, pk, awaiting_label) if pk in awaiting_me else "",
                updated=timezone.localtime(filing.updated_at).strftime("%Y-%m-%d %H:%M"),
                action=action,
                delete=format_html(DELETE_FORM, delete_url(pk), token, delete_question, pk, delete_label)
                if deletable
                else "",
            )
        )
    return rows


@applicant_required
@require_POST
def delete(request, pk: int):
    """Delete a draft (the page asks for confirmation first)."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    try:
        filing_delete_draft(filing=filing, by=request.user)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
        return redirect("filings:detail", filing.pk)
    messages.success(request, _("草稿已删除。"))
    return redirect("filings:mine")


@applicant_required
@require_POST
def owner_add_view(request, pk: int):
    """Invite a co-owner (著作权人) by phone number or username."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    definition = definition_for(filing.service)
    if not definition.parties_step:
        raise Http404
    form = OwnerAddForm(request.POST)
    valid = form.is_valid()
    role = (form.cleaned_data.get("role") or definition.party_roles[0]) if valid else ""
    if not valid:
        messages.error(request, next(iter(form.errors.values()))[0])
    elif role not in definition.party_roles:
        messages.error(request, _("请选择当事人角色。"))
    else:
        before = filing.status
        try:
            invited_as = owner_add(
                filing=filing, by=request.user, identifier=form.cleaned_data["identifier"], role=role
            )
        except REFUSALS as error:
            messages.error(request, refusal_message(error))
        else:
            # The same words whether the phone or username belongs to an account or not.
            messages.success(
                request,
                _("已向%(who)s发出邀请。对方在自己的账户中接受后，才会作为%(role)s加入本申请。")
                % {"who": invited_as, "role": PartyRole(role).label},
            )
            note_voided(request, before=before, filing=filing)
    return redirect(step_url(filing, definition.parties_step) + "#owners")


@applicant_required
@require_POST
def owner_remove_view(request, pk: int, party_id: int):
    """Remove a co-owner or withdraw an invitation; the applicant stays on its own filing."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    definition = definition_for(filing.service)
    if not definition.parties_step:
        raise Http404
    before = filing.status
    try:
        owner_remove(filing=filing, by=request.user, party_id=party_id)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, _("已移除著作权人。"))
        note_voided(request, before=before, filing=filing)
    return redirect(step_url(filing, definition.parties_step) + "#owners")
