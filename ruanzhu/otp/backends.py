"""SMS backends: where a message goes once it leaves the database.

``SMS_BACKEND`` names the class. A backend's ``send`` returns the provider's reference for the message or
raises SmsDeliveryError, marked transient when trying again later may succeed.
"""

import abc
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from ruanzhu.core.phones import phone_index
from ruanzhu.otp.models import OutboxMessage

logger = logging.getLogger(__name__)


class SmsDeliveryError(Exception):
    """The message was not delivered; ``transient`` says whether a later retry may succeed."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class SmsBackend(abc.ABC):
    """Where text messages go: the development outbox or a provider."""

    @abc.abstractmethod
    def send(self, *, phone: str, body: str, reference: str) -> str:
        """Deliver ``body`` to ``phone``; return the provider's reference or raise SmsDeliveryError."""


def get_backend() -> SmsBackend:
    """Return an instance of the configured backend."""
    return import_string(settings.SMS_BACKEND)()


class OutboxBackend(SmsBackend):
    """Development backend: keep the message in the database outbox instead of sending it."""

    def send(self, *, phone: str, body: str, reference: str) -> str:
        message_id = int(reference) if reference.isdigit() else None
        entry = OutboxMessage.objects.create(
            phone=phone,
            phone_index=phone_index(phone),
            body=body,
            message_id=message_id,
            created_at=timezone.now(),
        )
        return f"outbox-{entry.pk}"


class HttpProviderBackend(SmsBackend):
    """Send through an HTTP SMS provider: a signed JSON POST.

    The request carries ``X-Key-Id``, ``X-Timestamp`` (Unix seconds) and ``X-Signature``, the hex
    HMAC-SHA256 under ``SMS_HTTP_SECRET`` of ``<timestamp>.<body>``, so that a captured request cannot be
    replayed later with another body. The provider answers ``{"code": "OK", "message_id": "..."}``; any other
    code is a refusal.
    """

    # Provider answers that mean "not now" rather than "never": worth a retry.
    TRANSIENT_PROVIDER_CODES = frozenset({"THROTTLED", "BUSY", "SYSTEM_ERROR"})

    def __init__(self) -> None:
        self.url = settings.SMS_HTTP_URL
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an http(s) URL for HttpProviderBackend.")
        if not settings.SMS_HTTP_KEY_ID or not settings.SMS_HTTP_SECRET:
            raise ImproperlyConfigured(
                "SMS_HTTP_KEY_ID and SMS_HTTP_SECRET must be set for HttpProviderBackend."
            )
        self.key_id = settings.SMS_HTTP_KEY_ID
        self.secret = settings.SMS_HTTP_SECRET.encode("utf-8")
        self.sign_name = settings.SMS_HTTP_SIGN_NAME
        self.timeout = settings.SMS_HTTP_TIMEOUT

    def sign(self, *, timestamp: str, body: bytes) -> str:
        return hmac.new(self.secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()

    def send(self, *, phone: str, body: str, reference: str) -> str:
        payload = {"phone": phone, "sign_name": self.sign_name, "content": body, "request_id": reference}
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked to be http(s) in __init__
            self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Key-Id": self.key_id,
                "X-Timestamp": timestamp,
                "X-Signature": self.sign(timestamp=timestamp, body=data),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            exc.close()
            transient = exc.code >= 500 or exc.code == 429
            raise SmsDeliveryError(f"provider answered HTTP {exc.code}", transient=transient) from None
        except TimeoutError:
            raise SmsDeliveryError("provider timed out", transient=True) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise SmsDeliveryError("provider timed out", transient=True) from None
            raise SmsDeliveryError(f"provider unreachable: {type(reason).__name__}", transient=True) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise SmsDeliveryError("provider answer is not JSON", transient=True) from None
        code = str(answer.get("code", "")) if isinstance(answer, dict) else ""
        if code != "OK":
            # Only the provider's code is kept: its free-text message may quote the number or the content.
            raise SmsDeliveryError(
                f"provider refused: {code[:50] or 'no code'}", transient=code in self.TRANSIENT_PROVIDER_CODES
            )
        return str(answer.get("message_id", ""))[:100]
