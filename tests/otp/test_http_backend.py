"""The production SMS adapter against a local fake of the provider's HTTP API."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from ruanzhu.otp.backends import HttpProviderBackend, SmsDeliveryError
from ruanzhu.otp.models import Purpose, SmsMessage

SECRET = "provider-test-secret"
KEY_ID = "test-key"


class FakeProvider(ThreadingHTTPServer):
    """Checks each request's signature and answers as told by ``mode``."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeProviderHandler)
        self.requests: list[dict] = []
        self.mode = "ok"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms/send"


class FakeProviderHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers.get("X-Timestamp", "")
        expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        signature_ok = hmac.compare_digest(expected, self.headers.get("X-Signature", ""))
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        self.server.requests.append(
            {
                "key_id": self.headers.get("X-Key-Id"),
                "signature_ok": signature_ok,
                "fresh": fresh,
                "json": json.loads(body),
            }
        )
        mode = self.server.mode
        if not signature_ok or self.headers.get("X-Key-Id") != KEY_ID:
            return self.answer(401, {"code": "BAD_SIGNATURE"})
        if mode == "timeout":
            time.sleep(1.0)
            return self.answer(200, {"code": "OK", "message_id": "late"})
        if mode == "5xx":
            return self.answer(503, {"code": "SYSTEM_ERROR"})
        if mode == "error":
            return self.answer(200, {"code": "INVALID_PHONE", "message": "手机号 +8613800138000 无效"})
        return self.answer(200, {"code": "OK", "message_id": f"m-{len(self.server.requests)}"})

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:
            pass  # the client gave up first: exactly what the timeout test provokes

    def log_message(self, format, *args):
        pass


@pytest.fixture
def provider(settings):
    server = FakeProvider()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "ruanzhu.otp.backends.HttpProviderBackend"
    settings.SMS_HTTP_URL = server.url
    settings.SMS_HTTP_KEY_ID = KEY_ID
    settings.SMS_HTTP_SECRET = SECRET
    settings.SMS_HTTP_SIGN_NAME = "软著登记"
    settings.SMS_HTTP_TIMEOUT = 0.3
    settings.SMS_DELIVERY_MAX_RETRIES = 1
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_signed_request_is_accepted_and_returns_provider_id(provider, phone):
    reference = HttpProviderBackend().send(phone=phone, body="您的验证码为123456", reference="7")

    assert reference == "m-1"
    [request] = provider.requests
    assert request["signature_ok"] and request["fresh"]
    assert request["key_id"] == KEY_ID
    assert request["json"] == {
        "phone": phone,
        "sign_name": "软著登记",
        "content": "您的验证码为123456",
        "request_id": "7",
    }


def test_provider_error_code_is_a_permanent_failure_without_its_text(provider, phone):
    provider.mode = "error"

    with pytest.raises(SmsDeliveryError) as failure:
        HttpProviderBackend().send(phone=phone, body="x", reference="1")

    assert failure.value.transient is False
    assert failure.value.reason == "provider refused: INVALID_PHONE"


def test_server_error_is_a_transient_failure(provider, phone):
    provider.mode = "5xx"

    with pytest.raises(SmsDeliveryError) as failure:
        HttpProviderBackend().send(phone=phone, body="x", reference="1")

    assert failure.value.transient is True
    assert failure.value.reason == "provider answered HTTP 503"


def test_timeout_is_a_transient_failure(provider, phone):
    provider.mode = "timeout"

    started = time.monotonic()
    with pytest.raises(SmsDeliveryError) as failure:
        HttpProviderBackend().send(phone=phone, body="x", reference="1")

    assert time.monotonic() - started < 0.9
    assert failure.value.transient is True
    assert failure.value.reason == "provider timed out"


def test_wrong_secret_is_refused_by_the_provider(provider, phone, settings):
    settings.SMS_HTTP_SECRET = "not-the-secret"

    with pytest.raises(SmsDeliveryError) as failure:
        HttpProviderBackend().send(phone=phone, body="x", reference="1")

    assert failure.value.reason == "provider answered HTTP 401"
    assert failure.value.transient is False
    assert provider.requests[0]["signature_ok"] is False


def test_unreachable_provider_is_a_transient_failure(provider, phone, settings):
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms/send"

    with pytest.raises(SmsDeliveryError) as failure:
        HttpProviderBackend().send(phone=phone, body="x", reference="1")

    assert failure.value.transient is True


def test_backend_without_configuration_names_the_setting(settings):
    settings.SMS_HTTP_URL = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_HTTP_URL"):
        HttpProviderBackend()


@pytest.mark.django_db
def test_code_is_sent_through_the_provider(provider, phone, send_now):
    send_now(phone=phone, purpose=Purpose.FILING_CONFIRM, subject="filing:42")

    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENT
    assert message.provider_reference == "m-1"
    assert provider.requests[0]["json"]["request_id"] == str(message.pk)
    assert "用于出申请表确认" in provider.requests[0]["json"]["content"]


@pytest.mark.django_db
def test_provider_outage_marks_the_message_failed_after_retries(provider, phone, send_now):
    provider.mode = "5xx"

    send_now(phone=phone, purpose=Purpose.SIGNUP)

    message = SmsMessage.objects.get()
    assert len(provider.requests) == 2
    assert message.status == SmsMessage.Status.FAILED
    assert message.delivery_attempts == 2
