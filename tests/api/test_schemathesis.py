"""The API against its own OpenAPI document, by Schemathesis: no server error, and every answer as documented.

The document is the one GET /api/v1/openapi.json serves (``api.get_openapi_schema()``); the requests go through
the whole WSGI application (middleware included) in process, against the test database, with a token of a
verified applicant holding every scope. Two proofs:

- stateless: every operation, with generated valid and invalid input (path, query, headers, bodies, methods the
  path does not allow);
- stateful: sequences along the document's links (inferred from the schemas: a draft's ``id`` feeds ``{pk}``), so
  that a new draft is then read, changed, issued, submitted, withdrawn … with an Idempotency-Key per submission.

Each response must be no 5xx, of a documented status, of the documented media type, match the documented schema
and carry the documented headers; every error is a problem (application/problem+json), a method the path does
not take a 405 with Allow; in sequences, what was just made can be read and what was just deleted is gone.
"""

import collections
import hashlib
import json
import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, initialize
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful.state_machine import StepInput
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from config.wsgi import application
from ruanzhu.api.api import api as ninja_api
from tests.api.conftest import problem
from tests.factories import STEP_DATA


def errors_are_problems(ctx, response, case):
    """Every error is application/problem+json, the ones the document cannot list too (a method not taken)."""
    if response.status_code >= 400:
        media_type = response.headers.get("content-type", [""])[0]
        assert media_type == "application/problem+json", f"{response.status_code} answered as {media_type!r}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    unsupported_method,
    errors_are_problems,
]
# In sequences also: what was just made can be read, and what was just deleted is gone.
STATEFUL_CHECKS = [*CHECKS, ensure_resource_availability, use_after_free]
# Bounded so that the module runs in a couple of minutes on a small machine; raise them for a deeper run.
STATELESS = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
STATEFUL = settings(
    max_examples=100, stateful_step_count=10, deadline=None, suppress_health_check=list(HealthCheck)
)

CREATE = "POST /api/v1/filings"
UPDATE = "PATCH /api/v1/filings/{pk}"
SUBMIT = "POST /api/v1/filings/{pk}/submit"

schema = schemathesis.openapi.from_dict(ninja_api.get_openapi_schema())
schema.app = application


@pytest.fixture(autouse=True)
def _same_connection():
    """Keep the test's connection open across requests, as Django's test client does (the WSGI handler would
    close it at the end of each request, inside the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(api, verified_alice, settings):
    """The Authorization header of a verified applicant's token with every scope, under no practical rate."""
    settings.API_TOKEN_RATE_PER_MINUTE = 1_000_000
    return {"Authorization": f"Bearer {api(verified_alice, scopes=('read', 'file', 'submit')).secret}"}


def test_the_document_tested_is_the_one_served(client, db):
    served = client.get("/api/v1/openapi.json").json()
    assert served == json.loads(json.dumps(ninja_api.get_openapi_schema()))
    assert len(list(schema.get_all_operations())) == sum(len(methods) for methods in served["paths"].values())


def test_a_method_the_path_does_not_take_is_a_405_problem(api, verified_alice):
    client = api(verified_alice)
    response = client.client.put("/api/v1/filings", headers={"Authorization": f"Bearer {client.secret}"})
    problem(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    # The document and its page too, which take GET only.
    response = client.client.post("/api/v1/openapi.json")
    problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_a_body_that_is_not_json_is_a_documented_400(api, verified_alice):
    client = api(verified_alice)
    response = client.client.post(
        "/api/v1/filings",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.secret}"},
    )
    problem(response, 400, "http_400")
    for path, methods in ninja_api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert "400" in operation["responses"], (method, path)


@schema.parametrize()
@STATELESS
def test_every_operation_answers_as_documented(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)


def _choice(body) -> int:
    """A stable number drawn from the generated body: which realistic body replaces it (reproducible)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).digest()[0]


def _label(case) -> str:
    return f"{case.method.upper()} {case.path}"


class Workflow(schema.as_state_machine()):
    """The links of the document, from a real draft made at the start of every sequence."""

    headers: dict = {}
    # (operation, status) of every call, to prove that the sequences reached real filings.
    seen: collections.Counter = collections.Counter()

    @initialize(target=Bundle("catch_all"))
    def a_draft(self):
        """Start with a new draft: its 201's id feeds the links (the document's links from POST /filings)."""
        case = schema["/api/v1/filings"]["POST"].Case(body={}, media_type="application/json")
        step = StepInput.initial(case)
        # Recorded as the machine's own entry points are, so that the links from it are followed.
        self.recorder.record_case(case=case)
        self.control.record_step(step, self.recorder)
        return self.step(step)

    def before_call(self, case):
        label = _label(case)
        if label == CREATE:
            # A draft of the first step (every other time of the second too): the stateless proof covers bad ones.
            fields = dict(STEP_DATA["role"])
            if _choice(case.body) % 2:
                fields.update(STEP_DATA["software"])
            case.body = {"service": "R11", "fields": fields}
        elif label == UPDATE and _choice(case.body) % 3:
            # Two in three changes save real steps, from the second one on to the second, third or fourth.
            steps = ("software", "development", "features")[: _choice(case.body) % 3 + 1]
            case.body = {"fields": {name: value for step in steps for name, value in STEP_DATA[step].items()}}
        elif label == SUBMIT:
            # A new key per submission, as a program sends it (a retry would send the same one).
            case.headers = {**(case.headers or {}), "Idempotency-Key": str(uuid.uuid4())}

    def after_call(self, response, case):
        super().after_call(response, case)  # recorded for the checks of sequences
        self.seen[(_label(case), response.status_code)] += 1

    def get_call_kwargs(self, case):
        return {"headers": self.headers}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder
        )


def test_linked_sequences_answer_as_documented(bearer):
    links = schema.raw_schema["paths"]["/api/v1/filings"]["post"]["responses"]["201"].get("links", {})
    targets = {link.get("operationRef", "").rsplit("/", 2)[-2] for link in links.values()}
    # A new draft's id leads to reading, changing, issuing and submitting it.
    assert {
        "~1api~1v1~1filings~1{pk}",
        "~1api~1v1~1filings~1{pk}~1form",
        "~1api~1v1~1filings~1{pk}~1submit",
    } <= targets, links
    Workflow.headers = bearer
    Workflow.seen = collections.Counter()
    Workflow.run(settings=STATEFUL)
    seen = Workflow.seen
    # The sequences went through real filings: made, then read or changed through their own ids.
    assert seen[(CREATE, 201)], seen
    assert seen[("GET /api/v1/filings/{pk}", 200)] and seen[(UPDATE, 200)], seen
