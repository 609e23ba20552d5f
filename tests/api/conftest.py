"""Tokens and clients for the API's tests: ``api(user, scopes)`` returns a client that sends a fresh token."""

import pytest
from django.test import Client

from ruanzhu.api.services import token_create
from tests.factories import STEP_DATA

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
