"""What the views need to know about a request beyond Django's own: where it came from, when its session began."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# The login time of a session (Unix seconds): stamped by ruanzhu.accounts.middleware, read by fresh-login checks.
SESSION_STARTED_KEY = "ruanzhu_login_at"


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address, behind ``PROXY_COUNT`` trusted reverse proxies; None if unreadable.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the client's address
    is the PROXY_COUNT-th entry from the end; anything before it was written by the client and is not
    trusted. A header with too few entries or an entry that is not an address falls back to REMOTE_ADDR.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < proxies:
        return remote
    return _address(entries[-proxies]) or remote
