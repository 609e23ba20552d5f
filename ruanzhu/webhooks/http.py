"""Posting an event to a registered address: the address checks, the signature and one HTTP request.

Only ``https://`` addresses without credentials are accepted. At delivery the host name is resolved and every
address it resolves to must be a public one (no loopback, private, link-local, shared or reserved address), and
the connection goes to the address that was checked, so a name that resolves differently a moment later
(DNS rebinding) cannot lead the request inside. Redirects are not followed. ``WEBHOOK_ALLOW_HTTP`` and
``WEBHOOK_ALLOW_PRIVATE_HOSTS`` lift the two rules for tests and local development only.
"""

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from ruanzhu.core.errors import ApplicationError

SIGNATURE_HEADER = "Ruanzhu-Signature"
EVENT_ID_HEADER = "Ruanzhu-Event-Id"
EVENT_TYPE_HEADER = "Ruanzhu-Event-Type"
EXCERPT_CHARS = 500
# What is read of an answer at most: the excerpt is all that is kept.
READ_BYTES = 4096


class AddressRefused(ApplicationError):
    """An address that may not receive events; ``message`` says why (shown in the delivery log too)."""


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def address_check(url: str) -> None:
    """Refuse an address that is not ``https://``, carries credentials or names a host that is not public."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused(_("推送地址格式不正确。")) from None
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme.lower() not in allowed:
        raise AddressRefused(_("推送地址必须以 https:// 开头。"))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise AddressRefused(_("推送地址中不能包含用户名或密码。"))
    if not parts.hostname:
        raise AddressRefused(_("推送地址缺少主机名。"))
    if parts.fragment:
        raise AddressRefused(_("推送地址不能包含“#”及其后的部分。"))
    if port == 0:
        raise AddressRefused(_("推送地址的端口不正确。"))
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise AddressRefused(_("推送地址必须是公网地址，不能指向本机或内部网络。"))
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: resolved and checked at each delivery
    if not literal.is_global:
        raise AddressRefused(_("推送地址必须是公网地址，不能指向本机或内部网络。"))


def _public_address(host: str, port: int) -> str:
    """Resolve ``host`` and return an address to connect to, refusing the name if any address is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(_("无法解析推送地址的主机名。")) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise AddressRefused(_("无法解析推送地址的主机名。"))
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                raise AddressRefused(_("推送地址必须是公网地址，不能指向本机或内部网络。"))
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """A connection to an address already checked, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As ``_PinnedHTTPConnection``, over TLS: the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def post_event(
    *, url: str, body: bytes, secret: str, event_id: str, event_type: str, timestamp: int
) -> Answer:
    """POST a signed event to ``url``; return the answer's status and the start of its body.

    Raise ``AddressRefused`` for an address that may not be reached, ``OSError`` (timeouts included) or
    ``http.client.HTTPException`` when the request fails.
    """
    address_check(url)
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    address = _public_address(parts.hostname, port)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname, port, address=address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Ruanzhu-Webhooks/1",
        SIGNATURE_HEADER: f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}",
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read(READ_BYTES)
    finally:
        connection.close()
    excerpt = content.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    return Answer(status=response.status, excerpt=excerpt)
