"""Log records: the request id and task on every line, JSON or plain, and personal data redacted as a safety net.

``LOGGING`` in the settings gives the root handler ``RequestContextFilter``, which stamps each record with the
request id (``ruanzhu.core.requestid``) and, inside a Celery task, the task's name and id, and one of two
formatters, ``JsonLogFormatter`` (``LOG_FORMAT=json``) or ``PlainLogFormatter``. Both format a redacted copy of
the record: mainland mobile numbers, 18-character ID numbers, unified social credit codes and email addresses
are replaced in the message, its arguments, extra fields and traceback. Code must not log personal data in the
first place; redaction catches what slips through. It works on a copy so that the record itself, which other
handlers and the tests' log capture also receive, still shows what the code logged.

``gunicorn_logconfig_dict`` gives gunicorn (``logconfig_dict`` in its configuration file) the same format for
its error log and a JSON access log that carries the request id returned by the application.
"""

import copy
import logging
import os
import re
import traceback
from collections.abc import Mapping

from celery import current_task
from celery.signals import setup_logging
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from ruanzhu.core.requestid import current_request_id

# What the filter puts in place of each kind of personal data.
REDACTIONS = (
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    # Resident ID number: 6-digit area, 8-digit birth date, 3 digits and a check character; spaces or
    # hyphens between the groups are tolerated.
    (re.compile(r"(?<![0-9A-Za-z])\d{6}[ -]?\d{8}[ -]?\d{3}[0-9Xx](?![0-9A-Za-z])"), "[id-number]"),
    # Unified social credit code (GB 32100-2015): 18 characters of digits and capitals without I, O, S, V, Z.
    (
        re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])"),
        "[credit-code]",
    ),
    # Mainland mobile number, with or without +86 / 0086 / 86, spaces or hyphens between the digits.
    (re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)"), "[phone]"),
)
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Attributes every LogRecord has: anything else on a record came from ``extra=`` or from a filter.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
# Extra fields left out of JSON lines: Django hands the whole request (path and query string) to its loggers.
_JSON_SKIPPED_EXTRAS = ("request", "server_time")


def redact(text: str) -> str:
    """Return ``text`` with phone numbers, ID numbers, credit codes and email addresses replaced."""
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        # Celery logs a task's arguments and result as a dict of reprs (the ``data`` extra).
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


def redacted_record(record: logging.LogRecord) -> logging.LogRecord:
    """Return a copy of ``record`` with personal data redacted from its message, arguments, extras and traceback.

    A copy, so that other handlers (and tests that read the log) still see what the code really logged.
    """
    redacted = logging.makeLogRecord(record.__dict__)
    if isinstance(record.args, Mapping):
        # A mapping of arguments (gunicorn's access log) keeps its type, and so its answer for a missing key.
        redacted.args = copy.copy(record.args)
        for key, value in record.args.items():
            if isinstance(value, str):
                redacted.args[key] = redact(value)
    elif isinstance(record.msg, dict):
        redacted.msg = _redact_value(record.msg)
    else:
        # Arguments may be objects whose str() holds personal data: format once, then redact the result.
        redacted.msg = redact(record.getMessage())
        redacted.args = None
    if record.exc_info:
        redacted.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        redacted.exc_info = None
    elif record.exc_text:
        redacted.exc_text = redact(record.exc_text)
    if record.stack_info:
        redacted.stack_info = redact(record.stack_info)
    for key, value in record.__dict__.items():
        if key not in _STANDARD_ATTRS:
            setattr(redacted, key, _redact_value(value))
    return redacted


class RequestContextFilter(logging.Filter):
    """Stamp a record with the current request id and, inside a Celery task, the task's name and id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        task = current_task
        if task and task.request.id:
            record.task_name = task.name
            record.task_id = task.request.id
        return True


class PlainLogFormatter(logging.Formatter):
    """One line of text a record, personal data redacted."""

    def __init__(self, fmt: str | None = None, **kwargs) -> None:
        super().__init__(fmt or PLAIN_FORMAT, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(redacted_record(record))


class JsonLogFormatter(JsonFormatter):
    """One JSON object a line: timestamp, level, logger, message, request_id, then the extra fields.

    Personal data is redacted first.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message", "request_id"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "exc_info": "exception"})
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *_JSON_SKIPPED_EXTRAS])
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(**kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(redacted_record(record))

    def process_log_record(self, log_data: dict) -> dict:
        # The timestamp first, for whoever reads the raw lines.
        return {"timestamp": log_data.pop("timestamp", None), **log_data}


def default_log_format(environ: Mapping[str, str] = os.environ) -> str:
    """Return LOG_FORMAT from the environment: ``json`` by default in production, ``plain`` otherwise."""
    production = environ.get("RUANZHU_ENVIRONMENT", "development") == "production"
    return environ.get("LOG_FORMAT") or ("json" if production else "plain")


def formatters() -> dict:
    """Return the ``formatters`` entries of a logging configuration: ``json`` and ``plain``."""
    return {
        "json": {"()": JsonLogFormatter},
        "plain": {"()": PlainLogFormatter},
    }


def filters() -> dict:
    """Return the ``filters`` entries of a logging configuration: the request context."""
    return {"request_context": {"()": RequestContextFilter}}


# --- gunicorn --------------------------------------------------------------------------------------------------

# gunicorn formats this with its atoms for the plain access log; the JSON formatter reads the atoms themselves.
GUNICORN_ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s"


class GunicornAccessJsonFormatter(JsonLogFormatter):
    """gunicorn's access log as JSON: method, path (no query string), status, bytes, duration and request id.

    No client address, user agent or query string: the proxy in front keeps those where they are needed.
    """

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        # The record is the redacted copy: the atoms' values are redacted already.
        atoms = record.args if isinstance(record.args, Mapping) else {}
        request_id = atoms.get("{x-request-id}o", "-")
        log_data.update(
            {
                "message": f"{atoms.get('m', '-')} {atoms.get('U', '-')} {atoms.get('s', '-')}",
                "method": atoms.get("m"),
                "path": atoms.get("U"),
                "status": atoms.get("s"),
                "bytes": atoms.get("B"),
                "duration_ms": atoms.get("M"),
                "request_id": request_id if request_id != "-" else "",
            }
        )


def gunicorn_logconfig_dict(log_format: str | None = None) -> dict:
    """Return gunicorn's ``logconfig_dict``: error log on stderr, access log on stdout, JSON or plain."""
    log_format = log_format or default_log_format()
    if log_format not in ("json", "plain"):
        raise ValueError(f"LOG_FORMAT must be json or plain; got {log_format!r}.")
    json_lines = log_format == "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            **formatters(),
            "access_json": {"()": GunicornAccessJsonFormatter},
            "access_plain": {
                "()": PlainLogFormatter,
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            },
        },
        "filters": filters(),
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_context"],
                "stream": "ext://sys.stderr",
            },
            "access_console": {
                "class": "logging.StreamHandler",
                "formatter": "access_json" if json_lines else "access_plain",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
        },
        # Until the application configures its own (Django's LOGGING replaces it in each worker).
        "root": {"level": "INFO", "handlers": ["error_console"]},
    }


@setup_logging.connect(dispatch_uid="ruanzhu.core.logs.celery_setup_logging")
def _celery_keeps_django_logging(**kwargs) -> None:
    """Let a Celery worker keep Django's LOGGING instead of installing its own handlers and format."""
