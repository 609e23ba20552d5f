"""The account's own data across the apps: 下载我的数据 and 注销账户 (served under the accounts namespace)."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ruanzhu.accounts.throttle import LoginThrottled, password_rechecked
from ruanzhu.portal.privacy import account_close, account_export


@login_required
@require_GET
def data_export(request):
    """Download everything the portal holds about the account, as JSON."""
    response = HttpResponse(
        json.dumps(account_export(user=request.user), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="ruanzhu-{request.user.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def close_account(request):
    """Close the account: personal data erased, filings kept on record."""
    error = None
    if request.method == "POST":
        try:
            with password_rechecked(request=request, account=request.user):
                account_close(user=request.user, password=request.POST.get("password", ""))
        except LoginThrottled as throttled:
            return render(
                request,
                "portal/account_close.html",
                {"error": throttled.message},
                status=429,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            logout(request)
            messages.info(request, _("账户已注销，个人信息已删除。"))
            return redirect("home")
    return render(request, "portal/account_close.html", {"error": error}, status=400 if error else 200)
