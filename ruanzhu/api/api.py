"""The REST API at /api/v1/: one NinjaAPI with a router per area, its OpenAPI document and its docs page.

The docs page (Swagger UI) is served from django-ninja's own static files: no CDN, and no inline script, as the
site's Content-Security-Policy requires.
"""

import functools

from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Swagger

from ruanzhu.api import errors
from ruanzhu.api.routers import (
    batch,
    corrections,
    deposit_builds,
    filings,
    lifecycle,
    parties,
    registry,
    services,
)
from ruanzhu.api.routers.corrections import correction_files
from ruanzhu.core.uploads import UploadLimit
from ruanzhu.filings.services.deposit_builds import SOURCE_MAX_BYTES
from ruanzhu.filings.services.documents import document_max_bytes


def not_found(request):
    """Answer a path under the API that names no operation (a bad id with a slash ...) with a 404 problem."""
    return errors.problem_response(errors.Problem(404, "not_found", _("未找到该资源，或您无权访问。")))


# The operations that take files, by URL name, with the limits of the pages they stand for.
UPLOAD_LIMITS = {
    "filing_document": UploadLimit(max_bytes=document_max_bytes),
    "filing_signature_page": UploadLimit(max_bytes="FILING_UPLOAD_MAX_BYTES"),
    "filing_correction": UploadLimit(max_bytes="FILING_UPLOAD_MAX_BYTES", files=correction_files),
    "filing_correction_signature_page": UploadLimit(max_bytes="FILING_UPLOAD_MAX_BYTES"),
    "filing_deposit_build": UploadLimit(max_bytes=SOURCE_MAX_BYTES),
}


def method_not_allowed_as_problem(view):
    """Answer a method the path does not take with a 405 problem (and its Allow), not a bare text page."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type") != errors.CONTENT_TYPE:
            problem = errors.Problem(
                405, "method_not_allowed", _("此路径不支持该请求方法。"), headers={"Allow": response["Allow"]}
            )
            return errors.problem_response(problem)
        return response

    return answer


class Api(NinjaAPI):
    @property
    def urls(self):
        """Return the URL patterns, the last of them answering every other path under the API."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = method_not_allowed_as_problem(pattern.callback)
            # The upload limits of the pages' uploads, enforced while the body streams in (ruanzhu.core.uploads).
            limit = UPLOAD_LIMITS.get(getattr(pattern, "name", None))
            if limit is not None:
                pattern.callback.upload_limit = limit
        return [*patterns, re_path(r"^[\s\S]*$", not_found, name="not_found")], app_name, namespace

    def get_openapi_schema(self, *args, **kwargs):
        """Return the OpenAPI document, with the problems' media type on every error response."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                body = operation.get("requestBody", {}).get("content", {})
                if "application/json" in body and "400" not in operation.get("responses", {}):
                    # A body that is not JSON at all: 400 (a JSON body of the wrong shape is a 422).
                    operation["responses"]["400"] = {
                        "description": "Bad Request",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}
                        },
                    }
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {errors.CONTENT_TYPE: content["application/json"]}
        return schema


api = Api(
    title="Ruanzhu API",
    version="1",
    description=(
        "The Ruanzhu software copyright registration portal. Authenticate with a personal access token "
        "(`Authorization: Bearer <token>`, created on the account page); errors are application/problem+json."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # validatorUrl: Swagger UI would otherwise send the document to an outside validator.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=require_GET,
)
errors.install(api)
api.add_router("", services.router)
# Before filings: /filings/batch is not a filing's id.
api.add_router("", batch.router)
api.add_router("", filings.router)
api.add_router("", lifecycle.router)
api.add_router("", corrections.router)
api.add_router("", deposit_builds.router)
api.add_router("", parties.router)
api.add_router("", registry.router)
