"""Tokens and clients for the API's tests: ``api(user, scopes)`` returns a client that sends a fresh token."""

import pytest
from django.test import Client

from ruanzhu.api.services import token_create
from tests.factories import STEP_DATA, FilingFactory, invitation_accept_as

API = "/api/v1"


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


class ApiClient:
    """A test client that sends ``Authorization: Bearer <secret>`` (and JSON bodies) on every request."""

    def __init__(self, secret: str | None, **headers) -> None:
        self.client = Client()
        self.secret = secret
        self.headers = headers

    def _headers(self, extra: dict) -> dict:
        headers = dict(self.headers)
        if self.secret is not None:
            headers["Authorization"] = f"Bearer {self.secret}"
        return {**headers, **extra}

    def get(self, path: str, data=None, **headers):
        return self.client.get(API + path, data, headers=self._headers(headers))

    def post(self, path: str, body=None, **headers):
        return self.client.post(
            API + path, body or {}, content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path: str, body=None, **headers):
        return self.client.patch(
            API + path, body or {}, content_type="application/json", headers=self._headers(headers)
        )


@pytest.fixture
def api():
    """Return a client for ``user`` with a new token of ``scopes`` (its token row is on ``client.token``)."""

    def make(user, scopes=("read", "file"), days=30, **headers) -> ApiClient:
        issued = token_create(user=user, name="测试", scopes=list(scopes), days=days)
        client = ApiClient(issued.secret, **headers)
        client.token = issued.token
        return client

    return make


@pytest.fixture
def draft_fields():
    """The fields of an R11 draft's first two steps, as a program sends them."""
    return {**STEP_DATA["role"], **STEP_DATA["software"]}


@pytest.fixture
def ready(verified_alice, verified_bob, deposits, private_storage):
    """alice's R11 draft, every step saved, bob joined as co-owner, both deposits uploaded: ready for 出申请表."""
    return FilingFactory(applicant=verified_alice, co_owners=[verified_bob], deposits=deposits)


@pytest.fixture
def agent_ready(agent, verified_alice, verified_bob, deposits, private_storage):
    """The same draft filed by ``agent`` for alice under a mandate in force (``.mandate``)."""
    from ruanzhu.filings.services.agency import filing_create_for_client
    from ruanzhu.filings.services.documents import filing_upload_document
    from ruanzhu.filings.services.parties import owner_add
    from tests.agents.conftest import mandate_for
    from tests.filings.registered import save_steps

    mandate = mandate_for(agent, verified_alice, services=("R11",))
    filing = save_steps(
        filing_create_for_client(service="R11", agent=agent, client=verified_alice), agent, STEP_DATA
    )
    owner_add(filing=filing, by=agent, identifier=verified_bob.username)
    invitation_accept_as(filing, verified_bob)
    for kind in ("program", "document"):
        filing_upload_document(
            filing=filing, by=agent, kind=f"{kind}_deposit", data=deposits[kind], filename=f"{kind}.pdf"
        )
    filing.refresh_from_db()
    filing.test_mandate = mandate
    return filing


def signed_page(text: str = "signed and sealed") -> bytes:
    """Return a one-page PDF standing for a signed signature page."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, text)
    sheet.save()
    return buffer.getvalue()


def multipart(client: ApiClient, path: str, data: dict):
    """POST ``data`` (files as SimpleUploadedFile) as multipart/form-data with the client's token."""
    headers = {"Authorization": f"Bearer {client.secret}"} if client.secret else {}
    return client.client.post(API + path, data, headers=headers)
