"""Errors of the API as RFC 9457 problem details (``application/problem+json``), in the caller's language.

Every answer that is not a success is a problem: ``type``, ``title``, ``status``, a stable ``code`` for programs,
``detail`` for people (Chinese, or English with ``Accept-Language: en``) and, for bad input, ``errors``: one
``{field, code, message}`` per problem. Unexpected errors answer 500 with no trace of the cause (it is logged).
"""

import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ruanzhu.core.errors import ApplicationError
from ruanzhu.filings.access import MandateNotInForce

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:ruanzhu:problem:"


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误"),
        401: _("未认证"),
        403: _("无权操作"),
        404: _("未找到"),
        405: _("方法不允许"),
        409: _("无法办理"),
        413: _("文件过大"),
        422: _("输入有误"),
        429: _("请求过于频繁"),
        500: _("服务器错误"),
    }


class FieldErrorOut(Schema):
    field: str | None
    code: str
    message: str


class ProblemOut(Schema):
    """A problem detail (RFC 9457)."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[FieldErrorOut] | None = None


class Problem(Exception):
    """Answer the request with a problem: ``code`` is stable, ``detail`` the translated message."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def invalid(errors: list[dict[str, Any]]) -> Problem:
    """Return the problem of bad input: ``errors`` as ``{field, code, message}``."""
    return Problem(422, "validation_failed", _("输入有误，请按提示修改。"), errors=errors)


def refused(error: Exception) -> Problem:
    """Return the problem of an action the rules refuse now (409); a refusal of several lines lists each one."""
    message = getattr(error, "message", None) or str(error)
    lines = [line for line in message.splitlines() if line.strip()]
    errors = (
        [{"field": None, "code": "refused", "message": line} for line in lines] if len(lines) > 1 else None
    )
    return Problem(409, "action_refused", message, errors=errors)


def form_errors(form, *, rename: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Return a Django form's errors as ``{field, code, message}`` (``None`` for errors of the whole form)."""
    rename = rename or {}
    found = []
    for name, errors in form.errors.as_data().items():
        field = None if name == "__all__" else rename.get(name, name)
        for error in errors:
            for message in error.messages:
                found.append({"field": field, "code": error.code or "invalid", "message": message})
    return found


def problem_response(problem: Problem) -> HttpResponse:
    body = {
        "type": f"{TYPE_PREFIX}{problem.code}",
        "title": _titles().get(problem.status, _("请求有误")),
        "status": problem.status,
        "code": problem.code,
        "detail": problem.detail,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=problem.status, content_type=CONTENT_TYPE
    )
    for name, value in problem.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _validation_message(error: dict) -> str:
    if error.get("type") == "missing":
        return _("此项为必填项。")
    return _("格式不正确。")


def _from_validation(exc: ValidationError) -> Problem:
    errors = []
    for error in exc.errors:
        # loc is ("body", <parameter>, field …), ("query", field) or ("path", field): keep the field's own path.
        location = [str(part) for part in error.get("loc", ())]
        if location[:1] == ["body"]:
            location = location[2:]
        else:
            location = location[1:]
        errors.append(
            {
                "field": ".".join(location) or None,
                "code": str(error.get("type", "invalid")),
                "message": _validation_message(error),
            }
        )
    return invalid(errors)


def _problem_of(exc: Exception) -> Problem:
    """Return the problem an exception raised while answering stands for."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, ValidationError):
        return _from_validation(exc)
    if isinstance(exc, AuthenticationError):
        return Problem(
            401,
            "unauthenticated",
            _("请提供有效的API令牌（Authorization: Bearer <令牌>）。"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, HttpError):
        return Problem(exc.status_code, f"http_{exc.status_code}", _("请求有误"))
    if isinstance(exc, Http404):
        return Problem(404, "not_found", _("未找到该资源，或您无权访问。"))
    if isinstance(exc, MandateNotInForce):
        return Problem(403, "mandate_not_in_force", str(exc))
    if isinstance(exc, PermissionDenied):
        return Problem(403, "forbidden", _("无权执行此操作。"))
    if isinstance(exc, ApplicationError):
        return refused(exc)
    logger.exception("API request failed")
    return Problem(500, "internal_error", _("服务器内部错误，请稍后重试。"))


def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Answer any exception of an operation as a problem."""
    return problem_response(_problem_of(exc))


def install(api) -> None:
    """Make ``api`` answer every error as a problem."""
    for exception in (Exception, Http404, HttpError, ValidationError, Problem):
        api.add_exception_handler(exception, handle)
