from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


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


def staff_may(user, permission: str) -> bool:
    """Return whether ``user`` is staff, passed the second factor in this session and holds ``permission``."""
    return user.is_authenticated and user.is_staff and user.is_verified() and user.has_perm(permission)


def staff_required(permission: str):
    """Let through staff who passed the second factor and hold ``permission``.

    Visitors and staff without the second factor go to the staff login; anyone else gets 404, so that a back
    office page does not show that it exists.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.is_authenticated and not user.is_staff:
                raise Http404
            if not user.is_authenticated or not user.is_verified():
                return redirect_to_login(request.get_full_path(), reverse("accounts:staff_login"))
            if not user.has_perm(permission):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Applicants: anonymous visitors go to the login page and come back afterwards ---------------------------------


def applicant_required(view):
    """Let in logged-in applicants' accounts; staff accounts are not applicants and get 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def verified_required(view):
    """As applicant_required, and only after real-name verification: others go to 前往实名认证."""

    @applicant_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_verified_identity:
            return redirect("filings:verification_required")
        return view(request, *args, **kwargs)

    return wrapper


def identity_applicant_required(view):
    """Let applicants' accounts into real-name verification; staff accounts, verified by their organisation,
    are sent to their workbench with a word of explanation."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.is_staff:
            messages.info(request, _("工作人员账户无需实名认证。"))
            return redirect("staff:home")
        return view(request, *args, **kwargs)

    return wrapper


def agent_required(view):
    """Let in accounts with an active agent profile, put on ``request.agent_profile``; anyone else gets 404."""

    @applicant_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # The reverse one-to-one of agents.AgentProfile, so that accounts need not import the agents app.
        profile = getattr(request.user, "agent_profile", None)
        if profile is None or not profile.is_active:
            raise Http404
        request.agent_profile = profile
        return view(request, *args, **kwargs)

    return wrapper
