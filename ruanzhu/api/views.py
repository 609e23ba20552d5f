"""The account page's API令牌 section: create a token (its secret shown once) and revoke one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ruanzhu.accounts.decorators import applicant_required
from ruanzhu.api.forms import TokenCreateForm, TokenRevokeForm
from ruanzhu.api.selectors import token_of
from ruanzhu.api.services import TokenError, token_create, token_revoke

PROFILE_TEMPLATE = "accounts/profile.html"


@applicant_required
@require_POST
def api_token_create(request):
    """Create a token and show its secret on the account page, this once (the answer is never stored)."""
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = token_create(
                user=request.user,
                name=data["name"],
                scopes=data["scopes"],
                days=data["days"],
                request=request,
            )
        except TokenError as error:
            form.add_error(None, error.message)
        else:
            response = render(request, PROFILE_TEMPLATE, {"api_issued_token": issued})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, PROFILE_TEMPLATE, {"api_token_form": form}, status=400)


@applicant_required
@require_POST
def api_token_revoke(request):
    """Revoke one of the account's own tokens (404 for anyone else's)."""
    form = TokenRevokeForm(request.POST)
    if not form.is_valid():
        return render(request, PROFILE_TEMPLATE, status=400)
    token = token_of(request.user, pk=form.cleaned_data["token"])
    token_revoke(token=token, by=request.user, request=request)
    messages.success(request, _("API令牌“%(name)s”已吊销。") % {"name": token.name})
    return redirect(reverse("accounts:profile") + "#api-tokens")
