"""Delivery over TLS to a test server on 127.0.0.1: the certificate is checked against the registered host name,
while the connection goes to the address that was resolved and checked."""

import datetime
import http.server
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ruanzhu.webhooks import http as webhook_http
from ruanzhu.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import change_status, endpoint_for

pytestmark = pytest.mark.django_db

HOST = "hooks.ruanzhu.test"


def certificate_for(name: str, tmp_path) -> tuple[str, str]:
    """Write a self-signed certificate for ``name`` and its key; return their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch, settings):
    """An HTTPS server on 127.0.0.1 for HOST, whose name resolves there and whose certificate the client trusts."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True  # 127.0.0.1; http:// stays refused
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.headers["Host"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    def serve(certificate_name: str) -> str:
        cert, key = certificate_for(certificate_name, tmp_path)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        trusted = ssl.create_default_context(cafile=cert)
        monkeypatch.setattr(webhook_http.ssl, "create_default_context", lambda: trusted)
        return f"https://{HOST}:{server.server_address[1]}/hooks"

    real = socket.getaddrinfo
    monkeypatch.setattr(
        webhook_http.socket,
        "getaddrinfo",
        lambda host, *args, **kwargs: real("127.0.0.1" if host == HOST else host, *args, **kwargs),
    )
    servers: list = []
    yield serve, received
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_https_address_is_delivered_with_its_host_name(agent, agent_filing, tls_receiver):
    serve, received = tls_receiver
    url = serve(HOST)
    endpoint_for(agent, url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.response_status == 202
    [(host, body)] = received
    assert host == url.split("/")[2]
    assert str(delivery.event_id).encode() in body


def test_a_certificate_for_another_name_is_refused(agent, agent_filing, tls_receiver):
    serve, received = tls_receiver
    url = serve("someone-else.test")
    endpoint_for(agent, url)
    change_status(agent_filing, by=agent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.response_status is None
    assert delivery.last_error == "连接失败：SSLCertVerificationError"
    assert received == []
