"""Login throttling hooks for django-axes.

django-axes counts failures per (identifier, IP). After ``AXES_FAILURE_LIMIT`` of them each further attempt
waits, and the wait doubles with every further five consecutive failures of the account (1, 2, 4 … minutes,
at most an hour), so that guessing slows down without locking the owner out for long. The hard lock after
``ACCOUNT_LOCK_AFTER`` consecutive failures lives on the account itself (see services.login_failed).
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest

from ruanzhu.accounts.selectors import user_find_by_identifier
from ruanzhu.accounts.views import render_throttled_login

MAX_COOLOFF = timedelta(hours=1)


def identifier_key(request: HttpRequest, credentials: dict | None) -> str:
    """Return the normalised login identifier that axes counts failures under."""
    raw = ""
    if credentials:
        raw = credentials.get("identifier") or credentials.get("username") or ""
    if not raw and request is not None and request.method == "POST":
        raw = request.POST.get("identifier", "")
    return raw.strip().lower()


def cooloff_time(request: HttpRequest | None) -> timedelta:
    """Return how long a throttled (identifier, IP) waits: doubling with the account's failure streak."""
    streak = 0
    if request is not None:
        user = user_find_by_identifier(identifier_key(request, getattr(request, "axes_credentials", None)))
        if user is not None:
            streak = user.failed_login_streak
    steps = max(0, streak - settings.AXES_FAILURE_LIMIT) // 5
    return min(timedelta(minutes=2**steps), MAX_COOLOFF)


def lockout_response(request: HttpRequest, credentials: dict | None, *args, **kwargs):
    """Render the login page with the wait message instead of axes' bare 429."""
    return render_throttled_login(request, cooloff_time(request))
