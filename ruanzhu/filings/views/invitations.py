"""我的邀请: invitations to join another person's filing as a co-owner (or a party of a contract)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import applicant_required
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.selectors import invitation_for, invitations_for
from ruanzhu.filings.services.parties import invitation_accept, invitation_decline, inviter_name
from ruanzhu.filings.views.common import REFUSALS, refusal_message


@applicant_required
@require_GET
def invitations(request):
    """The invitations waiting for the user's answer: who invites, to what, and accept or decline."""
    rows = [
        {
            "party": party,
            "filing": party.filing,
            "service": definition_for(party.filing.service).title,
            "inviter": inviter_name(party.filing),
        }
        for party in invitations_for(request.user)
    ]
    return render(request, "filings/invitations.html", {"rows": rows})


@applicant_required
@require_POST
def invitation_accept_view(request, party_id: int):
    """Accept an invitation: the user's verified details join the filing, which the user can then see."""
    party = invitation_for(request.user, pk=party_id)
    try:
        party = invitation_accept(party=party, by=request.user)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
        return redirect("filings:invitations")
    messages.success(
        request,
        _("已接受邀请，您已成为《%(software)s》的%(role)s。")
        % {"software": party.filing.title or _("未命名申请"), "role": party.get_role_display()},
    )
    return redirect("filings:detail", party.filing_id)


@applicant_required
@require_POST
def invitation_decline_view(request, party_id: int):
    """Decline an invitation: nothing of the user is shown to the filer."""
    party = invitation_for(request.user, pk=party_id)
    try:
        invitation_decline(party=party, by=request.user)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, _("已拒绝邀请。"))
    return redirect("filings:invitations")
