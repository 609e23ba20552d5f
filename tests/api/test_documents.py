"""POST /filings/{pk}/documents/{kind}: the page's upload service, checks and streaming limit, over the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ruanzhu.filings.models import Filing, FilingDocument
from tests.api.conftest import API, ApiClient, problem
from tests.factories import STEP_DATA


@pytest.fixture
def alice_api(api, verified_alice, private_storage):
    return api(verified_alice)


@pytest.fixture
def draft(alice_api, draft_fields):
    fields = {**draft_fields, **STEP_DATA["development"], **STEP_DATA["features"]}
    response = alice_api.post("/filings", {"service": "R11", "fields": fields})
    assert response.status_code == 201, response.content.decode()
    return Filing.objects.get(pk=response.json()["id"])


def upload(client: ApiClient, filing, kind: str, content: bytes | None, name: str = "p.pdf"):
    body = (
        {} if content is None else {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}
    )
    headers = {"Authorization": f"Bearer {client.secret}"} if client.secret else {}
    return client.client.post(f"{API}/filings/{filing.pk}/documents/{kind}", body, headers=headers)


def test_deposit_is_uploaded_and_checked_as_on_the_page(alice_api, draft, deposits):
    response = upload(alice_api, draft, "program_deposit", deposits["program"])
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    document = FilingDocument.objects.get(filing=draft, kind="program_deposit")
    assert (body["size"], body["sha256"], body["page_count"]) == (
        document.size,
        document.sha256,
        document.page_count,
    )
    assert body["filename"] == "p.pdf" and body["problems"] == document.problems


def test_a_refused_deposit_is_a_problem_and_stores_nothing(alice_api, draft):
    problem(upload(alice_api, draft, "program_deposit", b"not a pdf"), 409, "action_refused")
    assert not FilingDocument.objects.exists()


def test_upload_needs_a_file_a_known_kind_a_token_and_the_scope(
    api, alice_api, verified_alice, draft, deposits
):
    errors = problem(upload(alice_api, draft, "program_deposit", None), 422, "validation_failed")["errors"]
    assert [error["field"] for error in errors] == ["file"]
    problem(upload(alice_api, draft, "nothing", deposits["program"]), 404, "not_found")
    problem(upload(ApiClient(None), draft, "program_deposit", deposits["program"]), 401, "unauthenticated")
    read_only = api(verified_alice, scopes=["read"])
    problem(upload(read_only, draft, "program_deposit", deposits["program"]), 403, "insufficient_scope")
    assert not FilingDocument.objects.exists()


def test_another_persons_filing_is_not_found(api, verified_carol, draft, deposits):
    problem(upload(api(verified_carol), draft, "program_deposit", deposits["program"]), 404, "not_found")
    assert not FilingDocument.objects.exists()


def test_a_file_over_the_pages_limit_is_refused_while_it_streams_in(alice_api, draft, settings):
    settings.FILING_UPLOAD_MAX_BYTES = 1000
    body = problem(
        upload(alice_api, draft, "program_deposit", b"%PDF" + b"0" * 5000), 413, "upload_too_large"
    )
    assert "文件不能超过" in body["detail"]
    assert not FilingDocument.objects.exists()
