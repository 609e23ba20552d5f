"""The REST API at /api/v1/: one NinjaAPI with a router per area, its OpenAPI document and its docs page.

The docs page (Swagger UI) is served from django-ninja's own static files: no CDN, and no inline script, as the
site's Content-Security-Policy requires.
"""

from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Swagger

from ruanzhu.api import errors
from ruanzhu.api.routers import filings, registry, services
from ruanzhu.core.uploads import UploadLimit
from ruanzhu.filings.services.documents import document_max_bytes


def not_found(request):
    """Answer a path under the API that names no operation (a bad id with a slash ...) with a 404 problem."""
    return errors.problem_response(errors.Problem(404, "not_found", _("未找到该资源，或您无权访问。")))


class Api(NinjaAPI):
    @property
    def urls(self):
        """Return the URL patterns, the last of them answering every other path under the API."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if getattr(pattern, "name", None) == "filing_document":
                # The upload limit of the page's upload, enforced while the body streams in (ruanzhu.core.uploads).
                pattern.callback.upload_limit = UploadLimit(max_bytes=document_max_bytes)
        return [*patterns, re_path(r"^[\s\S]*$", not_found, name="not_found")], app_name, namespace

    def get_openapi_schema(self, *args, **kwargs):
        """Return the OpenAPI document, with the problems' media type on every error response."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
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
api.add_router("", filings.router)
api.add_router("", registry.router)
