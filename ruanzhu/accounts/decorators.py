from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse


def staff_with_mfa(view):
    """Let through only staff whose session passed the second factor (TOTP); send others to the staff login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_verified():
            return redirect_to_login(request.get_full_path(), reverse("accounts:staff_login"))
        if not user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def verified_required(view):
    """Let through only logged-in accounts that passed real-name verification; others go to 前往实名认证."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_verified_identity:
            return redirect("filings:verification_required")
        return view(request, *args, **kwargs)

    return wrapper
