"""Pages of agents (dashboard, proposing mandates) and of their clients (我的委托)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruanzhu.accounts.decorators import agent_required
from ruanzhu.agents import selectors, services
from ruanzhu.agents.forms import DashboardFilterForm, LetterUploadForm, MandateProposeForm
from ruanzhu.agents.letters import mandate_letter_pdf
from ruanzhu.agents.models import Mandate
from ruanzhu.core.files import open_private_file, private_file_response
from ruanzhu.core.uploads import upload_limit, upload_refusal

FILINGS_PER_PAGE = 50


def _back(request, mandate: Mandate):
    if request.POST.get("back") == "list" and request.user.pk == mandate.client_id:
        return redirect("agents:mandates")
    return redirect("agents:mandate_detail", pk=mandate.pk)


@agent_required
@require_GET
def dashboard(request):
    """The agent's clients with their mandates, and the filings filed for them with states and deadlines."""
    mandates = list(selectors.mandates_of_agent(request.user))
    clients = list({mandate.client_id: mandate.client for mandate in mandates}.values())
    filters = DashboardFilterForm(request.GET or None, clients=clients)
    client_id, status = None, ""
    if filters.is_valid():
        client_id, status = filters.cleaned_data["client"], filters.cleaned_data["status"]
    elif request.GET:
        messages.error(request, _("筛选条件无效，已显示全部申请。"))
    filings = selectors.agent_filings(agent=request.user, client_id=client_id, status=status)
    page = Paginator(filings, FILINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "agents/dashboard.html",
        {
            "profile": request.agent_profile,
            "mandates": mandates,
            "filters": filters,
            "page": page,
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def propose(request):
    """Propose a mandate (发起委托) to a client, who accepts it in their own account."""
    form = MandateProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.mandate_propose(
                agent=request.user,
                client_identifier=form.cleaned_data["client"],
                services=form.cleaned_data["services"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                description=form.cleaned_data["description"],
            )
        except services.AgentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("委托已发起，等待委托人确认。"))
            return redirect("agents:mandate_detail", pk=mandate.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "agents/propose.html", {"form": form}, status=status)


@login_required
@require_GET
def client_mandates(request):
    """我的委托: the mandates proposed to or held by the account, to accept, decline or revoke."""
    return render(
        request, "agents/mandates.html", {"mandates": list(selectors.mandates_of_client(request.user))}
    )


@login_required
@require_GET
def mandate_detail(request, pk: int):
    """One mandate, for its agent or its client: term, services, letter and history."""
    mandate = selectors.mandate_for_party(user=request.user, pk=pk)
    return render(
        request,
        "agents/detail.html",
        {
            "mandate": mandate,
            "is_agent": request.user.pk == mandate.agent_id,
            "is_client": request.user.pk == mandate.client_id,
            "events": mandate.events.select_related("actor"),
            "upload_form": LetterUploadForm(),
        },
    )


@login_required
@require_GET
def letter(request, pk: int):
    """Download the 委托书 filled in from the mandate, to sign and seal."""
    mandate = selectors.mandate_for_party(user=request.user, pk=pk)
    return private_file_response(
        content=mandate_letter_pdf(mandate=mandate, viewer=request.user),
        filename=f"委托书-{mandate.pk}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_GET
def signed_letter(request, pk: int):
    """Show the signed 委托书 uploaded for the mandate."""
    mandate = selectors.mandate_for_party(user=request.user, pk=pk)
    if not mandate.has_letter:
        raise Http404
    extension = mandate.letter_storage_name.rsplit(".", 1)[-1]
    return private_file_response(
        content=open_private_file(mandate.letter_storage_name),
        filename=f"委托书-已签署-{mandate.pk}.{extension}",
        content_type=mandate.letter_content_type,
        as_attachment=mandate.letter_is_pdf,
    )


@upload_limit(services.LETTER_MAX_BYTES)
@login_required
@require_POST
def upload_letter(request, pk: int):
    """Upload the signed 委托书 (PDF or photo)."""
    mandate = selectors.mandate_for_party(user=request.user, pk=pk)
    refusal = upload_refusal(request)
    if refusal:
        messages.error(request, refusal)
        return _back(request, mandate)
    form = LetterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
        return _back(request, mandate)
    upload = form.cleaned_data["file"]
    try:
        services.mandate_upload_letter(
            mandate=mandate, by=request.user, data=upload.read(), filename=upload.name
        )
    except services.AgentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("委托书已上传。"))
    return _back(request, mandate)


def _act(request, pk: int, action, success: str):
    mandate = selectors.mandate_for_party(user=request.user, pk=pk)
    try:
        action(mandate=mandate, by=request.user)
    except services.AgentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return _back(request, mandate)


@login_required
@require_POST
def accept(request, pk: int):
    """The client accepts a proposed mandate (确认委托)."""
    return _act(request, pk, services.mandate_accept, _("已确认委托，代理机构现在可以为您办理所委托的业务。"))


@login_required
@require_POST
def decline(request, pk: int):
    """The client declines a proposed mandate."""
    return _act(request, pk, services.mandate_decline, _("已拒绝委托。"))


@login_required
@require_POST
def revoke(request, pk: int):
    """Either side revokes a mandate; it stops counting on the next request."""
    return _act(request, pk, services.mandate_revoke, _("委托已撤销。"))
