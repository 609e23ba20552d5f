import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser

from ruanzhu.core.http import SESSION_STARTED_KEY

SESSION_SEEN_KEY = "ruanzhu_seen_at"


def record_login_time(sender, request, user, **kwargs):
    """Stamp the session with its login time, whichever way the login happened (portal, staff, admin)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now


class SessionLifetimeMiddleware:
    """End a logged-in session after 30 minutes without a request, and 12 hours after login in any case.

    The last request time is written back at most once a minute (SESSION_TOUCH_SECONDS): saving the session
    on every request would cost a database write per page view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(SESSION_STARTED_KEY, now)
            seen = session.get(SESSION_SEEN_KEY, started)
            if (
                now - started > settings.SESSION_ABSOLUTE_SECONDS
                or now - seen > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
            elif now - seen > settings.SESSION_TOUCH_SECONDS:
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


class StaffSecondFactorMiddleware:
    """A staff session that has not passed the second factor counts for nothing: the visitor is anonymous.

    The staff login asks for the password and the TOTP code in one form, so no such session comes from the
    portal's own logins; this keeps a session made any other way from reaching an applicant's pages (an account
    page, its export) on the password alone. Runs after django_otp's OTPMiddleware, which says what is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff and not user.is_verified():
            anonymous = AnonymousUser()
            anonymous.otp_device = None  # as django_otp marks every visitor
            anonymous.is_verified = lambda: False
            request.user = anonymous
        return self.get_response(request)
