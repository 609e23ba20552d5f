"""Who may call the API: a bearer token in force with the operation's scope, within its rate; every use audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ruanzhu.api.models import PersonalAccessToken
from ruanzhu.api.services import token_create
from ruanzhu.core.models import AuditEntry
from ruanzhu.filings.models import Filing
from tests.api.conftest import ApiClient, problem


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic YWxpY2U6eA==", "Token abc", "Bearer rz_0000000000_" + "A" * 43],
)
def test_request_without_a_valid_token_is_refused(db, authorization):
    client = ApiClient(None, **({"Authorization": authorization} if authorization is not None else {}))
    body = problem(client.get("/services"), 401, "unauthenticated")
    assert body["type"] == "urn:ruanzhu:problem:unauthenticated"
    assert client.get("/services")["WWW-Authenticate"] == "Bearer"


def test_a_token_with_one_wrong_character_is_refused(api, verified_alice):
    client = api(verified_alice)
    client.secret = client.secret[:-1] + ("A" if client.secret[-1] != "A" else "B")
    problem(client.get("/services"), 401, "unauthenticated")


def test_expired_token_is_refused(api, verified_alice):
    client = api(verified_alice)
    assert client.get("/services").status_code == 200
    PersonalAccessToken.objects.filter(pk=client.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    problem(client.get("/services"), 401, "unauthenticated")


def test_revoked_token_is_refused(api, verified_alice):
    client = api(verified_alice)
    PersonalAccessToken.objects.filter(pk=client.token.pk).update(revoked_at=timezone.now())
    problem(client.get("/services"), 401, "unauthenticated")


def test_token_of_a_closed_or_staff_account_is_refused(api, verified_alice):
    client = api(verified_alice)
    verified_alice.is_active = False
    verified_alice.save(update_fields=["is_active"])
    problem(client.get("/services"), 401, "unauthenticated")
    verified_alice.is_active, verified_alice.is_staff = True, True
    verified_alice.save(update_fields=["is_active", "is_staff"])
    problem(client.get("/services"), 401, "unauthenticated")


def test_token_without_the_scope_is_refused(api, verified_alice, draft_fields):
    read_only = api(verified_alice, scopes=["read"])
    body = problem(
        read_only.post("/filings", {"service": "R11", "fields": draft_fields}), 403, "insufficient_scope"
    )
    assert "填报" in body["detail"]
    file_only = api(verified_alice, scopes=["file"])
    problem(file_only.get("/filings"), 403, "insufficient_scope")
    assert not Filing.objects.filter(applicant=verified_alice).exists()


def test_requests_beyond_the_rate_answer_429_with_retry_after(api, verified_alice, settings):
    settings.API_TOKEN_RATE_PER_MINUTE = 3
    client = api(verified_alice)
    other = api(verified_alice)
    for _ in range(3):
        assert client.get("/services").status_code == 200
    response = client.get("/services")
    problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 61
    # The count is the token's: another token of the same account is not held back.
    assert other.get("/services").status_code == 200


def test_every_use_is_audited_with_the_token_and_the_operation(api, verified_alice):
    client = api(verified_alice, scopes=["read"])
    client.get("/services")
    client.get("/filings")
    client.post("/filings", {"service": "R11"})  # refused for its scope: still a use of the token
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.API_REQUEST).order_by("id")
    assert [entry.field_label for entry in entries] == [
        "GET api/v1/services",
        "GET api/v1/filings",
        "POST api/v1/filings",
    ]
    assert {(entry.actor_id, entry.target_object_id) for entry in entries} == {
        (verified_alice.pk, str(client.token.pk))
    }
    for entry in entries:
        assert client.secret not in f"{entry.reason}{entry.target_label}{entry.field_label}{entry.user_agent}"
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None


def test_unknown_tokens_write_no_audit(db):
    ApiClient("rz_0000000000_" + "A" * 43).get("/services")
    assert not AuditEntry.objects.exists()


def test_secret_is_random_and_unique(verified_alice):
    first = token_create(user=verified_alice, name="a", scopes=["read"], days=1)
    second = token_create(user=verified_alice, name="b", scopes=["read"], days=1)
    assert first.secret != second.secret and first.token.prefix != second.token.prefix
    assert len(first.secret.removeprefix(f"rz_{first.token.prefix}_")) == 43  # 256 bits, URL-safe base64
