"""The OpenAPI document (3.1, every operation with an id, a security requirement and response schemas) and the
docs page served from the site's own static files under its Content-Security-Policy."""

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_openapi_document_is_3_1_and_complete(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert {(path, method) for path, method, _ in operations} == {
        ("/api/v1/services", "get"),
        ("/api/v1/filings", "get"),
        ("/api/v1/filings", "post"),
        ("/api/v1/filings/{pk}", "get"),
        ("/api/v1/filings/{pk}", "patch"),
        ("/api/v1/filings/{pk}/documents/{kind}", "post"),
        ("/api/v1/filings/batch", "post"),
        ("/api/v1/filings/{pk}/form", "post"),
        ("/api/v1/filings/{pk}/confirmations", "get"),
        ("/api/v1/filings/{pk}/confirmations/mine", "post"),
        ("/api/v1/filings/{pk}/signature-page", "post"),
        ("/api/v1/filings/{pk}/submit", "post"),
        ("/api/v1/filings/{pk}/withdraw", "post"),
        ("/api/v1/filings/{pk}/form.pdf", "get"),
        ("/api/v1/filings/{pk}/correction", "get"),
        ("/api/v1/filings/{pk}/correction", "post"),
        ("/api/v1/filings/{pk}/correction/codes", "post"),
        ("/api/v1/filings/{pk}/correction/signature-page", "post"),
        ("/api/v1/filings/{pk}/certificate.pdf", "get"),
        ("/api/v1/filings/{pk}/deposit-builds/{kind}", "post"),
        ("/api/v1/filings/{pk}/deposit-builds/{kind}", "get"),
        ("/api/v1/filings/{pk}/deposit-builds/{kind}", "delete"),
        ("/api/v1/filings/{pk}/deposit-builds/{kind}/accept", "post"),
        ("/api/v1/filings/{pk}/parties", "get"),
        ("/api/v1/filings/{pk}/parties", "post"),
        ("/api/v1/filings/{pk}/parties/{party_id}", "delete"),
        ("/api/v1/invitations", "get"),
        ("/api/v1/invitations/{party_id}/accept", "post"),
        ("/api/v1/invitations/{party_id}/decline", "post"),
        ("/api/v1/registry/search", "get"),
        ("/api/v1/registry/records/{registration_number}", "get"),
    }
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(set(ids)) == len(ids)
    for path, method, operation in operations:
        assert operation["security"] == [{"TokenAuth": []}], (path, method)
        responses = operation["responses"]
        assert {"401", "403", "429"} <= set(responses), (path, method)
        for status, answer in responses.items():
            if status == "204":
                assert "content" not in answer, (path, method)
                continue
            ((media_type, content),) = answer["content"].items()
            if path.endswith(".pdf") and status == "200":
                # The files are streamed as they are.
                assert (media_type, content["schema"]) == (
                    "application/pdf",
                    {"type": "string", "format": "binary"},
                )
                continue
            assert media_type == ("application/json" if int(status) < 400 else "application/problem+json")
            assert "$ref" in content["schema"], (path, method, status)
    schemas = document["components"]["schemas"]
    for _, _, operation in operations:
        for answer in operation.get("responses", {}).values():
            if "content" not in answer:
                continue
            schema = next(iter(answer["content"].values()))["schema"]
            if "$ref" in schema:
                assert schema["$ref"].rsplit("/", 1)[1] in schemas
    submit = document["paths"]["/api/v1/filings/{pk}/submit"]["post"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= submit["parameters"][1].items()
    assert "400" in submit["responses"] and "409" in submit["responses"]
    assert document["components"]["securitySchemes"] == {"TokenAuth": {"type": "http", "scheme": "bearer"}}


def test_openapi_document_is_valid(db):
    from openapi_spec_validator import validate

    validate(Client().get("/api/v1/openapi.json").json())


def test_docs_page_uses_only_the_sites_own_assets(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    # No other host: every src and href is a path of this site, and no inline script or style.
    for url in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert url.startswith("/") and not url.startswith("//"), url
    assert not re.search(r"https?://", page)
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", page)
    assert "<style" not in page and " style=" not in page
    for url in re.findall(r'src="/static/([^"]*)"', page):
        assert finders.find(url), url
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert '"validatorUrl": null' in page
