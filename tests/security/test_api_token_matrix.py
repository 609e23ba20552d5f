"""Every operation of the API × every token persona answers as tests/security/api_matrix.py says.

The operations are read from the API's OpenAPI document, not listed: an operation added without a line in the
table fails the suite. A refused request (401, 403, 404) or one whose plausible body or object's state is refused
(400, 409, 422) must change nothing: no statement of the request wrote a row, no file appeared in or left private
storage, and the digest of every table is the same after the whole run. What a recognised token's request writes
about itself is no change of the portal: its audit entry (API调用), the token's last use, and the answer kept for
an Idempotency-Key. A 401 writes nothing at all. An allowed request may change things; it runs in a savepoint
rolled back afterwards, so that every cell sees the portal as built.
"""

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from ruanzhu.api.api import api
from ruanzhu.api.errors import CONTENT_TYPE as PROBLEM
from ruanzhu.api.idempotency import HEADER
from ruanzhu.api.models import IdempotencyKey, PersonalAccessToken
from ruanzhu.api.services import token_create, token_revoke
from ruanzhu.core.models import AuditEntry
from ruanzhu.filings.models import DepositBuild
from tests.factories import STEP_DATA, MandateFactory
from tests.filings.registered import save_steps
from tests.security.api_matrix import (
    BODIES,
    LISTED,
    OBJECTS,
    PERSONAS,
    QUERIES,
    TABLE,
    TOKENS,
    UNCHANGED,
)
from tests.security.conftest import SESSION_TABLE, database_digest, storage_listing

PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # as the document writes it, with {parameters}
    body: str | None  # the media type of its request body
    headers: tuple[str, ...]  # the headers it declares


@dataclass
class Cell:
    key: str
    operation: Operation
    path: str
    persona: str
    expected: str
    query: dict = field(default_factory=dict)


def operations() -> dict[str, Operation]:
    """Return the operations of the API's OpenAPI document by operationId."""
    found = {}
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            media = next(iter(content), None)
            headers = tuple(
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "header"
            )
            found[operation["operationId"]] = Operation(
                operation["operationId"], method, path, media, headers
            )
    return found


def cells(world):
    """Yield every cell of the matrix: each operation (about each of its objects) and token persona."""
    every_operation = operations()
    for line in TABLE.values():
        operation = every_operation[line.operation]
        kwargs = line.kwargs(world)
        path = PARAMETER.sub(lambda match, kwargs=kwargs: str(kwargs[match[1]]), operation.path)
        for persona in PERSONAS:
            yield Cell(
                line.key, operation, path, persona, line.outcome(persona), QUERIES.get(line.operation, {})
            )


# --- What a recognised token's request writes about itself ------------------------------------------------------
AUDIT_TABLE = AuditEntry._meta.db_table
TOKEN_TABLE = PersonalAccessToken._meta.db_table
IDEMPOTENCY_TABLE = IdempotencyKey._meta.db_table


def bookkeeping(sql: str, params) -> bool:
    """Tell whether a statement is the token's own bookkeeping: its audit entry, its last use, a kept answer."""
    if IDEMPOTENCY_TABLE in sql:
        return True
    if sql.startswith(f'UPDATE "{TOKEN_TABLE}" SET "last_used_at" = ') and sql.count(" = ") == 2:  # noqa: S608
        return True  # … SET "last_used_at" = %s WHERE "id" = %s: nothing else
    return sql.startswith(f'INSERT INTO "{AUDIT_TABLE}"') and AuditEntry.Action.API_REQUEST in (params or ())


class TokenWriteRecorder:
    """Record every statement that wrote a row, the token's own bookkeeping apart from the rest."""

    def __init__(self):
        self.writes: list[str] = []
        self.bookkeeping: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        text = sql.lstrip()
        verb = text.split(None, 1)[0].upper() if text else ""
        if SESSION_TABLE in sql or verb not in {"INSERT", "UPDATE", "DELETE"}:
            return result
        if verb == "INSERT" or getattr(context["cursor"], "rowcount", -1) != 0:
            kept = self.bookkeeping if not many and bookkeeping(text, params) else self.writes
            kept.append(text[:200])
        return result


# --- The tokens and the objects only this matrix needs ----------------------------------------------------------
@pytest.fixture
def tokens(world, settings):
    """Return the secret of every persona's token (see api_matrix.TOKENS)."""
    # Every cell of a persona counts against its token's rate: not what these proofs are about.
    settings.API_TOKEN_RATE_PER_MINUTE = 100_000
    secrets = {}
    for persona, (person, scopes) in TOKENS.items():
        issued = token_create(user=world.people[person], name=persona, scopes=list(scopes), days=30)
        if persona == "expired":
            PersonalAccessToken.objects.filter(pk=issued.token.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
        elif persona == "revoked":
            token_revoke(token=issued.token, by=world.people[person])
        secrets[persona] = issued.secret
    return secrets


@pytest.fixture
def builds(world):
    """A queued deposit build of the applicant's filing and one of the agent's filing, for its operations."""
    return [
        DepositBuild.objects.create(
            filing=filing, kind="program_deposit", source_original_name="source.zip", created_by=filing.filer
        )
        for filing in (world.filing, world.agent_filing)
    ]


@pytest.fixture
def lapsed_filing(world):
    """Put on the World a draft that agntX files for the applicant under a mandate the applicant then revoked."""
    from ruanzhu.agents.services import mandate_revoke
    from ruanzhu.filings.services.agency import filing_create_for_client

    agent, applicant = world.people["agent_without_mandate"], world.people["applicant"]
    mandate = MandateFactory(agent=agent, client=applicant, services=["R11"])
    filing = save_steps(
        filing_create_for_client(service="R11", agent=agent, client=applicant), agent, STEP_DATA
    )
    mandate_revoke(mandate=mandate, by=applicant)
    world.lapsed_filing = filing
    return filing


def send(client: Client, cell: Cell, secret: str):
    """Send the cell's request with the persona's token and the operation's plausible, incomplete body."""
    operation = cell.operation
    headers = {"Authorization": f"Bearer {secret}"}
    if HEADER in operation.headers:
        headers[HEADER] = str(uuid.uuid4())  # a fresh key: every cell is a first request
    if operation.method == "get":
        return client.get(cell.path, cell.query, headers=headers)
    if operation.body == "multipart/form-data":
        return client.post(cell.path, {}, headers=headers)  # no file, no field
    body = json.dumps(BODIES[operation.operation_id]) if operation.body else ""
    return client.generic(
        operation.method.upper(), cell.path, body, content_type="application/json", headers=headers
    )


def listed_ids(world, operation_id: str, scenarios) -> set[int]:
    """Return the ids by which a list names the World's objects ``scenarios``: filings, or invitations."""
    if operation_id == "invitations_list":
        return {OBJECTS[scenario](world)["party_id"] for scenario in scenarios}
    return {
        world.invitation.filing_id if scenario == "invitation" else OBJECTS[scenario](world)["pk"]
        for scenario in scenarios
    }


def listing_error(cell: Cell, response, world) -> str | None:
    """Return what a list shows of the World's objects that it should not, or misses; None if as it should."""
    expected = LISTED.get(cell.operation.operation_id, {}).get(cell.persona)
    if expected is None:
        return None
    every = listed_ids(
        world, cell.operation.operation_id, LISTED[cell.operation.operation_id]["own"] + ("invitation",)
    )
    key = "party_id" if cell.operation.operation_id == "invitations_list" else "id"
    shown = {item[key] for item in response.json()["items"]} & every
    wanted = listed_ids(world, cell.operation.operation_id, expected)
    if shown != wanted:
        return f"lists {sorted(shown - wanted)} it should not, misses {sorted(wanted - shown)}"
    return None


# The problem of each refusal: one code for everyone ("*"), or the one of a persona's reason.
REFUSAL_CODES = {
    "401": {"*": "unauthenticated"},
    "403": {"wrong_scope": "insufficient_scope", "agent_without_mandate": "mandate_not_in_force"},
    "404": {"*": "not_found"},
}


def run(cell: Cell, world, secrets: dict, storage) -> str | None:
    """Request ``cell``; return why it failed, or None."""
    files = storage_listing(storage)
    recorder = TokenWriteRecorder()
    with transaction.atomic(), connection.execute_wrapper(recorder):
        response = send(Client(), cell, secrets[cell.persona])
        # Whatever the request did is undone: every cell sees the portal as built.
        transaction.set_rollback(True)
    got = str(response.status_code)
    where = f"{cell.key} {cell.operation.method.upper()} {cell.path} with {cell.persona}'s token"
    if got != cell.expected:
        detail = response.content[:300].decode(errors="replace")
        return f"{where}: expected {cell.expected}, got {got}: {detail}"
    if cell.expected not in UNCHANGED:
        wrong = listing_error(cell, response, world)
        return f"{where}: {wrong}" if wrong else None
    if response["Content-Type"] != PROBLEM:
        return f"{where}: refused ({got}) without a problem document ({response['Content-Type']})"
    code = response.json().get("code")
    if got in REFUSAL_CODES and code != REFUSAL_CODES[got].get(cell.persona, REFUSAL_CODES[got].get("*")):
        return f"{where}: refused {got} with the problem {code}"
    if recorder.writes:
        return f"{where}: refused ({got}) but wrote: {recorder.writes}"
    if got == "401" and recorder.bookkeeping:
        return f"{where}: refused 401 but recorded the token's use: {recorder.bookkeeping}"
    if storage_listing(storage) != files:
        return f"{where}: refused ({got}) but changed private storage"
    return None


def test_every_operation_has_a_line():
    every_operation = operations()
    for name, operation in every_operation.items():
        if operation.body == "application/json":
            assert name in BODIES, f"{name} takes a JSON body: give it a plausible one in BODIES"
    lines = {line.operation for line in TABLE.values()}
    assert set(every_operation) - lines == set(), "operations without a line in tests/security/api_matrix.py"
    assert lines - set(every_operation) == set(), "lines of tests/security/api_matrix.py for no operation"


def test_api_token_matrix(world, tokens, builds, lapsed_filing, security_storage):
    started = time.monotonic()
    before = database_digest()
    every_cell = list(cells(world))
    failures = [failure for cell in every_cell if (failure := run(cell, world, tokens, security_storage))]
    assert database_digest() == before, "the requests changed the database"
    print(
        f"API token matrix: {len(operations())} operations, {len(TABLE)} lines with their objects, "
        f"{len(PERSONAS)} token personas, {len(every_cell)} cells, {time.monotonic() - started:.1f} s"
    )
    assert not failures, f"{len(failures)} of {len(every_cell)} cells differ:\n" + "\n".join(failures)
