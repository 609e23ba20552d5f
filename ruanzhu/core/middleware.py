"""Response headers that every page carries, whatever view or middleware produced it."""

from django.conf import settings
from django.utils.cache import patch_cache_control

# Browser features no page uses. ID photos come from file inputs, which need no camera permission; denying the
# rest means an injected script or a framed page cannot ask for them either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)


class BrowserPolicyMiddleware:
    """Deny unused browser features everywhere, and keep pages for a logged-in user out of every cache.

    A page shown to a logged-in user carries personal data: ``Cache-Control: private, no-store`` keeps it out of
    shared proxies and off the disk of a shared computer. A response that set its own Cache-Control (private
    files, ``never_cache`` views) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _logged_in(request) and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _logged_in(request) -> bool:
    # Without a session cookie nobody is logged in: the session is not loaded just to find that out.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
