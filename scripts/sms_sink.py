#!/usr/bin/env python3
"""A stand-in SMS provider for the loopback topology: it takes what ``HttpProviderBackend`` sends and keeps it.

It checks each request as a provider would (the key id, and the HMAC-SHA256 signature of ``<timestamp>.<body>``
under the shared secret, within five minutes of the timestamp), answers ``{"code": "OK", "message_id": ...}``
and appends the message as one JSON line to a file. Load tests and end-to-end tests read the codes from that
file (``latest_code``). Standard library only, so that it runs with any Python 3.11.

    python scripts/sms_sink.py --port 8111 --file var/topology/sms/messages.jsonl \\
        --key-id topology --secret-file var/topology/secrets/sms_http_secret
"""

import argparse
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY_BYTES = 64 * 1024
MAX_CLOCK_SKEW_SECONDS = 300
# The code follows 验证码 in every message that carries one (ruanzhu.otp.selectors reads it the same way).
CODE_AFTER_LABEL = re.compile(r"验证码\D{0,3}(\d{6})(?!\d)")


def read_messages(path: str | Path) -> list[dict]:
    """Return the messages recorded in ``path``, oldest first (none if the file does not exist yet)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def latest_code(path: str | Path, *, phone: str) -> str | None:
    """Return the code of the newest message to ``phone`` (E.164) that carries one, or None."""
    for message in reversed(read_messages(path)):
        if message["phone"] == phone:
            match = CODE_AFTER_LABEL.search(message["content"])
            if match:
                return match.group(1)
    return None


class SinkHandler(BaseHTTPRequestHandler):
    """Answer POST with a signed JSON body as the provider does; record accepted messages."""

    server_version = "sms-sink"
    key_id: str
    secret: bytes
    record: Path
    lock: threading.Lock

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY_BYTES:
            self._answer(400, {"code": "BAD_REQUEST"})
            return
        body = self.rfile.read(length)
        timestamp = self.headers.get("X-Timestamp", "")
        expected = hmac.new(self.secret, timestamp.encode("ascii", "replace") + b"." + body, hashlib.sha256)
        if (
            self.headers.get("X-Key-Id") != self.key_id
            or not timestamp.isdigit()
            or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS
            or not hmac.compare_digest(expected.hexdigest(), self.headers.get("X-Signature", ""))
        ):
            self._answer(401, {"code": "SIGNATURE_MISMATCH"})
            return
        try:
            payload = json.loads(body)
            message = {
                "phone": str(payload["phone"]),
                "sign_name": str(payload.get("sign_name", "")),
                "content": str(payload["content"]),
                "request_id": str(payload.get("request_id", "")),
            }
        except (ValueError, KeyError, TypeError):
            self._answer(400, {"code": "BAD_REQUEST"})
            return
        message["message_id"] = uuid.uuid4().hex
        message["received_at"] = time.time()
        line = json.dumps(message, ensure_ascii=False) + "\n"
        with self.lock, self.record.open("a", encoding="utf-8") as record:
            record.write(line)
        self._answer(200, {"code": "OK", "message_id": message["message_id"]})

    def _answer(self, status: int, answer: dict) -> None:
        data = json.dumps(answer).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        """Log nothing per request: the record file says what came in."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--file", required=True, help="where to append the messages, one JSON line each")
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--secret-file", required=True, help="file holding SMS_HTTP_SECRET")
    arguments = parser.parse_args()

    record = Path(arguments.file)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.touch()
    SinkHandler.key_id = arguments.key_id
    SinkHandler.secret = Path(arguments.secret_file).read_text(encoding="utf-8").strip().encode("utf-8")
    SinkHandler.record = record
    SinkHandler.lock = threading.Lock()
    server = ThreadingHTTPServer((arguments.host, arguments.port), SinkHandler)
    print(
        f"SMS sink listening on http://{arguments.host}:{arguments.port}/, recording to {record}", flush=True
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
