"""Log lines: JSON or plain, with the request id and task, and no personal data whatever the code logs."""

import io
import json
import logging
import subprocess
import sys

import pytest
from django.urls import reverse

from config.celery import app
from ruanzhu.core.logs import (
    GUNICORN_ACCESS_LOG_FORMAT,
    JsonLogFormatter,
    PlainLogFormatter,
    RequestContextFilter,
    default_log_format,
    redact,
)
from ruanzhu.core.requestid import RequestIdMiddleware
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.factories import credit_code, resident_id
from tests.identity import images_fixtures as pictures
from tests.identity.conftest import ALICE_ID, fill_individual

task_logger = logging.getLogger("tests.core.logging_probe")


@app.task(name="tests.core.logging_probe")
def logging_probe_task() -> None:
    task_logger.info("probe ran")


class Captured(logging.Handler):
    """Every record, as the console handler receives it, with its message as logged (before any redaction)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestContextFilter())
        self.records: list[logging.LogRecord] = []
        self.raw: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.raw.append(record.getMessage() + "\n" + (self.format(record) if record.exc_info else ""))


@pytest.fixture
def captured():
    root = logging.getLogger()
    handler = Captured()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def json_line(record: logging.LogRecord) -> dict:
    return json.loads(JsonLogFormatter().format(record))


# --- Redaction ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phone=13800138000", "phone=[phone]"),
        ("phone=+8613800138000.", "phone=[phone]."),
        ("手机 +86 138 0013 8000 已绑定", "手机 [phone] 已绑定"),
        ("138-0013-8000", "[phone]"),
        ("0086 13800138000", "[phone]"),
        (f"id {resident_id(7)}", "id [id-number]"),
        ("id 11010519491231002x", "id [id-number]"),
        ("id 110105 19491231 002X", "id [id-number]"),
        (f"code={credit_code(3)}", "code=[credit-code]"),
        ("code=91310000MA1FL0XQ3B", "code=[credit-code]"),
        ("to ZhangSan.Li+tag@mail.example.com.cn ok", "to [email] ok"),
    ],
)
def test_personal_data_is_redacted(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "sms delivered: message=12345",
        "request 9f2ca062ce5643a5b84fc790d1bc1d6a took 12.5 ms",
        "2026-11-30 16:53:22,856 lag 1.5 s",
        "Task ruanzhu.otp.tasks.sms_deliver_task[016e7a29-0f9b-4097-a764-35a3ee62a4b6] succeeded",
        "GET /filings/1234/ 200",
    ],
)
def test_ordinary_lines_are_left_alone(text):
    assert redact(text) == text


def test_formatters_redact_the_message_arguments_extras_and_traceback_but_not_the_record():
    class Person:
        def __str__(self):
            return "张三 13800138000"

    try:
        raise ValueError("duplicate key (phone)=(+8613800138000)")
    except ValueError:
        record = logging.getLogger("tests").makeRecord(
            "tests",
            logging.ERROR,
            __file__,
            1,
            "user %s email %s",
            (Person(), "a@b.cn"),
            sys.exc_info(),
            # Celery logs a task's arguments as reprs in a dict.
            extra={"who": "13800138000", "data": {"args": "('a@b.cn', 7)", "id": "0e43a36b"}},
        )
    record.request_id = ""
    for line in (JsonLogFormatter().format(record), PlainLogFormatter().format(record)):
        assert "13800138000" not in line and "a@b.cn" not in line
        assert "[phone]" in line and "[email]" in line
    line = json_line(record)
    assert line["who"] == "[phone]"
    assert line["data"] == {"args": "('[email]', 7)", "id": "0e43a36b"}
    # Other handlers (and this test) still see what was logged.
    assert "13800138000" in record.getMessage()


# --- The lines ---------------------------------------------------------------------------------------------------


def test_a_json_line_carries_timestamp_level_logger_message_and_request_id(rf, captured):
    def view(request):
        logging.getLogger("tests.core.view").warning("something happened")
        from django.http import HttpResponse

        return HttpResponse()

    response = RequestIdMiddleware(view)(rf.get("/"))
    (line,) = [json_line(record) for record in captured.records if record.name == "tests.core.view"]
    assert list(line)[:5] == ["timestamp", "level", "logger", "message", "request_id"]
    assert line["level"] == "WARNING"
    assert line["logger"] == "tests.core.view"
    assert line["message"] == "something happened"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["timestamp"].endswith("+00:00")


def test_a_json_line_from_a_task_names_the_task(captured):
    result = logging_probe_task.apply()
    (line,) = [json_line(record) for record in captured.records if record.name == task_logger.name]
    assert line["task_name"] == "tests.core.logging_probe"
    assert line["task_id"] == result.id


def test_a_plain_line_carries_the_request_id(rf, captured):
    def view(request):
        logging.getLogger("tests.core.view").warning("plain line")
        from django.http import HttpResponse

        return HttpResponse()

    response = RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="proxy-given-0001"))
    (record,) = [record for record in captured.records if record.name == "tests.core.view"]
    assert response["X-Request-ID"] == "proxy-given-0001"
    assert "WARNING tests.core.view [proxy-given-0001] plain line" in PlainLogFormatter().format(record)


def test_the_root_handler_stamps_and_formats_every_record(settings):
    (handler,) = logging.getLogger().handlers[:1]
    assert any(isinstance(each, RequestContextFilter) for each in handler.filters)
    assert isinstance(handler.formatter, PlainLogFormatter | JsonLogFormatter)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "plain"),
        ({"RUANZHU_ENVIRONMENT": "production"}, "json"),
        ({"RUANZHU_ENVIRONMENT": "production", "LOG_FORMAT": "plain"}, "plain"),
        ({"LOG_FORMAT": "json"}, "json"),
    ],
)
def test_log_format_defaults_to_json_in_production_only(environ, expected):
    assert default_log_format(environ) == expected


GUNICORN_ACCESS = """
import datetime, io, json, logging, sys
from types import SimpleNamespace
from gunicorn.config import Config
from gunicorn.glogging import Logger
from ruanzhu.core.logs import GUNICORN_ACCESS_LOG_FORMAT, gunicorn_logconfig_dict

cfg = Config()
cfg.set("logconfig_dict", gunicorn_logconfig_dict(sys.argv[1]))
cfg.set("accesslog", "-")
cfg.set("access_log_format", GUNICORN_ACCESS_LOG_FORMAT)
log = Logger(cfg)
response = SimpleNamespace(status="200 OK", sent=512, headers=[("X-Request-ID", "abcdef0123456789")])
environ = {
    "REQUEST_METHOD": "GET", "RAW_URI": "/accounts/login/?phone=13800138000", "PATH_INFO": "/accounts/login/",
    "QUERY_STRING": "phone=13800138000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.7",
    "HTTP_USER_AGENT": "Mozilla/5.0",
}
log.access(response, [], environ, datetime.timedelta(milliseconds=42))
# A response the application did not stamp (a probe, a refusal before the middleware), to a path with a number.
environ["PATH_INFO"] = "/nowhere/13800138000/"
log.access(SimpleNamespace(status="404 Not Found", sent=0, headers=[]), [], environ, datetime.timedelta(0))
"""


def run_gunicorn_access(log_format: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", GUNICORN_ACCESS, log_format], capture_output=True, text=True, check=True
    )
    assert not result.stderr, result.stderr
    return result.stdout.strip().splitlines()


def test_gunicorn_access_log_is_json_with_the_request_id_and_no_query_or_address():
    line, unstamped = (json.loads(each) for each in run_gunicorn_access("json"))
    assert line["logger"] == "gunicorn.access"
    assert line["request_id"] == "abcdef0123456789"
    assert (line["method"], line["path"], line["status"], line["bytes"]) == (
        "GET",
        "/accounts/login/",
        "200",
        512,
    )
    assert line["duration_ms"] == 42
    assert "13800138000" not in json.dumps(line) and "203.0.113.7" not in json.dumps(line)
    assert (unstamped["status"], unstamped["request_id"]) == ("404", "")
    assert unstamped["path"] == "/nowhere/[phone]/"


def test_gunicorn_access_log_in_plain_text_carries_the_request_id():
    line, unstamped = run_gunicorn_access("plain")
    assert "GET /accounts/login/ 200 512 42ms request_id=abcdef0123456789" in line
    assert "GET /nowhere/[phone]/ 404 0 0ms request_id=-" in unstamped
    assert GUNICORN_ACCESS_LOG_FORMAT.startswith("%(m)s %(U)s")


# --- Flows that touch personal data --------------------------------------------------------------------------

SIGNUP_PHONE = "13912340077"


@pytest.fixture(scope="module")
def photos():
    """The three photos an individual uploads: ID card front and back, and a handheld photo with a face."""
    return {
        "id_front": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_front(), seed=21)),
        "id_back": pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=22)),
        "handheld": pictures.jpeg_bytes(pictures.handheld_photo(seed=23)),
    }


SIGNUP_EMAIL = "Wang.Wu@Example.com"


def test_flows_with_personal_data_log_none_of_it(
    client, alice, applicant, photos, private_storage, captured, django_capture_on_commit_callbacks
):
    details = reverse("accounts:signup_details", args=["individual"])
    client.post(reverse("accounts:signup"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(details, {"action": "send_code", "phone": SIGNUP_PHONE})
    code = latest_code_in_outbox(f"+86{SIGNUP_PHONE}")
    response = client.post(
        details,
        {
            "action": "register",
            "username": "wangwu",
            "password": "Lantern-Orchid-2026",
            "password_again": "Lantern-Orchid-2026",
            "phone": SIGNUP_PHONE,
            "code": code,
            "email": SIGNUP_EMAIL,
        },
    )
    assert response.status_code == 302
    client.logout()
    for identifier in ("13800000001", "+86 138 0000 0001", "alice@example.com", "13700000000"):
        client.post(reverse("accounts:login"), {"identifier": identifier, "password": "wrong-Password-1"})
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        fill_individual(client, photos)
        client.post(reverse("identity:step3"), {"consent_id_data": "on", "consent_face": "on"})
    assert applicant.verifications.exists()

    needles = [
        SIGNUP_PHONE,
        SIGNUP_EMAIL.lower(),
        "13800000001",
        "alice@example.com",
        "13700000000",
        ALICE_ID,
    ]
    needles += ["13912345678", applicant.email]
    assert captured.records, "nothing was logged: the capture is broken"
    stream = io.StringIO()
    for record in captured.records:
        stream.write(JsonLogFormatter().format(record) + "\n" + PlainLogFormatter().format(record) + "\n")
    formatted = stream.getvalue().lower()
    raw = "\n".join(captured.raw).lower()
    for needle in needles:
        assert needle not in raw, f"logged by the code: {needle}"
        assert needle not in formatted, needle
