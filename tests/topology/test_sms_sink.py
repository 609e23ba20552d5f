"""The topology's fake SMS provider (scripts/sms_sink.py) takes what HttpProviderBackend sends, and only that."""

import threading
from pathlib import Path

import pytest

from ruanzhu.otp.backends import HttpProviderBackend, SmsDeliveryError
from scripts.sms_sink import SinkHandler, ThreadingHTTPServer, latest_code, read_messages

SECRET = "sink-test-secret"


@pytest.fixture
def sink(tmp_path, settings):
    record = tmp_path / "messages.jsonl"
    SinkHandler.key_id = "sink-test"
    SinkHandler.secret = SECRET.encode()
    SinkHandler.record = record
    SinkHandler.lock = threading.Lock()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SinkHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.SMS_HTTP_KEY_ID = "sink-test"
    settings.SMS_HTTP_SECRET = SECRET
    yield record
    server.shutdown()
    server.server_close()


def test_signed_message_is_recorded_and_its_code_read_back(sink: Path):
    body = "【软著】注册账户，验证码123456，5分钟内有效。非本人操作请忽略。"
    reference = HttpProviderBackend().send(phone="+8613900001111", body=body, reference="42")

    [message] = read_messages(sink)
    assert message["message_id"] == reference
    assert message["content"] == body
    assert message["request_id"] == "42"
    assert latest_code(sink, phone="+8613900001111") == "123456"
    assert latest_code(sink, phone="+8613900002222") is None


def test_message_signed_with_another_secret_is_refused(sink: Path, settings):
    settings.SMS_HTTP_SECRET = "not-the-sink-secret"

    with pytest.raises(SmsDeliveryError) as refusal:
        HttpProviderBackend().send(phone="+8613900001111", body="验证码123456", reference="43")

    assert refusal.value.transient is False
    assert read_messages(sink) == []
