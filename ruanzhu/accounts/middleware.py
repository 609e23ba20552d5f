import time

from django.apps import apps
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.db import router
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from ruanzhu.core.compiled import STAND_IN_IDS, CompiledQuery
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


def _device_query(model, *, pk):
    devices = model.objects.filter(id=pk)
    return (devices if devices.ordered else devices.order_by("pk"))[:1]


# By device model: the query of the session's device, compiled once.
_DEVICE_SHAPES: dict[type, CompiledQuery] = {}


class SecondFactorDeviceMiddleware(OTPMiddleware):
    """django_otp's OTPMiddleware: it reads the device that verified the session on every request (a device
    removed or unconfirmed since counts for nothing), with the query compiled once per device model."""

    def _device_from_persistent_id(self, persistent_id: str):
        # As Device.from_persistent_id.
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            model_label, device_id = persistent_id.rsplit("/", 1)
            app_label, model_name = model_label.split(".")
            model = apps.get_model(app_label, model_name)
            pk = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(model, Device):
            return None
        if model not in _DEVICE_SHAPES:
            _DEVICE_SHAPES[model] = CompiledQuery(
                lambda pk, model=model: _device_query(model, pk=pk), {"pk": (model._meta.pk, *STAND_IN_IDS)}
            )
        devices = _DEVICE_SHAPES[model].objects(router.db_for_read(model), pk=pk)
        return devices[0] if devices else None


class StaffSecondFactorMiddleware:
    """A staff session that has not passed the second factor counts for nothing: the visitor is anonymous.

    The staff login asks for the password and the TOTP code in one form, so no such session comes from the
    portal's own logins; this keeps a session made any other way from reaching an applicant's pages (an account
    page, its export) on the password alone. Runs after SecondFactorDeviceMiddleware, which says what is verified.
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
