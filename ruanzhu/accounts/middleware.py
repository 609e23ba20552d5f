import time

from django.conf import settings
from django.contrib.auth import logout

SESSION_STARTED_KEY = "ruanzhu_login_at"


def record_login_time(sender, request, user, **kwargs):
    """Stamp the session with its login time, whichever way the login happened (portal, staff, admin)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = time.time()


class SessionLifetimeMiddleware:
    """End a logged-in session 12 hours (SESSION_ABSOLUTE_SECONDS) after login, however active it was.

    The 30-minute idle timeout is the cookie and session age, renewed on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)
