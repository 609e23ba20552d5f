"""Personal access tokens on the account page: created with a name, scopes and expiry, the secret shown once and
stored only as its SHA-256, listed, revoked; staff accounts hold none; each step audited."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ruanzhu.api.models import PersonalAccessToken
from ruanzhu.api.services import TokenError, token_create
from ruanzhu.core.models import AuditEntry
from tests.factories import staff_session

PROFILE = "/accounts/me/"
CREATE = reverse("accounts:api_token_create")
REVOKE = reverse("accounts:api_token_revoke")


@pytest.fixture
def alice_client(client, verified_alice):
    client.force_login(verified_alice)
    return client


def create(client, **changes):
    return client.post(CREATE, {"name": "持续集成", "scopes": ["read", "file"], "days": "90", **changes})


def test_token_is_created_on_the_account_page_and_shown_once(alice_client, verified_alice):
    response = create(alice_client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = PersonalAccessToken.objects.get(user=verified_alice)
    secret = response.context["api_issued_token"].secret
    page = response.content.decode()
    assert secret in page and "只显示这一次" in page
    assert (token.name, token.scopes) == ("持续集成", ["read", "file"])
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    # Stored hashed: the row holds the SHA-256 of the secret and its public prefix, never the secret.
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(f"rz_{token.prefix}_")
    assert secret not in str(PersonalAccessToken.objects.filter(pk=token.pk).values().get())
    # The next visit lists it by its prefix, without the secret.
    again = alice_client.get(PROFILE).content.decode()
    assert secret not in again
    assert f"rz_{token.prefix}_" in again and "持续集成" in again
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.API_TOKEN_CREATE, actor=verified_alice, target_object_id=str(token.pk)
    ).exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": ""}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["admin"]}, "scopes"),
        ({"days": "366"}, "days"),
        ({"days": "0"}, "days"),
    ],
)
def test_bad_token_form_is_refused_and_creates_nothing(alice_client, changes, field):
    response = create(alice_client, **changes)
    assert response.status_code == 400
    assert response.context["api_token_form"].errors[field]
    assert not PersonalAccessToken.objects.exists()


def test_tokens_in_force_are_limited_per_account(alice_client, verified_alice, settings):
    settings.API_TOKENS_PER_ACCOUNT = 1
    assert create(alice_client).status_code == 200
    response = create(alice_client)
    assert response.status_code == 400
    assert "最多1个" in response.content.decode()
    assert PersonalAccessToken.objects.filter(user=verified_alice).count() == 1


def test_token_is_revoked_on_the_account_page(alice_client, verified_alice):
    issued = token_create(user=verified_alice, name="脚本", scopes=["read"], days=30)
    response = alice_client.post(REVOKE, {"token": issued.token.pk})
    assert response.status_code == 302 and response["Location"].endswith("#api-tokens")
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert "已吊销" in alice_client.get(PROFILE).content.decode()
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.API_TOKEN_REVOKE, actor=verified_alice).count()
        == 1
    )


def test_another_accounts_token_cannot_be_revoked(alice_client, verified_bob):
    issued = token_create(user=verified_bob, name="鲍勃的", scopes=["read"], days=30)
    assert alice_client.post(REVOKE, {"token": issued.token.pk}).status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_token_pages_need_login_and_post(client, verified_alice):
    assert create(client).status_code == 302
    assert client.post(REVOKE, {"token": 1}).status_code == 302
    client.force_login(verified_alice)
    assert client.get(CREATE).status_code == 405
    assert client.post(REVOKE, {"token": "x"}).status_code == 400
    assert not PersonalAccessToken.objects.exists()


def test_staff_accounts_cannot_hold_tokens(client, examiner):
    staff_session(client, examiner)
    page = client.get(PROFILE)
    assert page.status_code == 200 and "api-tokens" not in page.content.decode()
    assert create(client).status_code == 404
    with pytest.raises(TokenError):
        token_create(user=examiner, name="x", scopes=["read"], days=30)
    assert not PersonalAccessToken.objects.exists()


def test_the_account_page_lists_its_own_tokens_newest_first_and_nobody_elses(
    alice_client, verified_alice, verified_bob
):
    from ruanzhu.api.selectors import token_list_of, tokens_of

    older = token_create(user=verified_alice, name="较早的", scopes=["read"], days=30).token
    newer = token_create(user=verified_alice, name="较新的", scopes=["read", "file"], days=60).token
    bobs = token_create(user=verified_bob, name="鲍勃的", scopes=["read"], days=30).token

    listed = token_list_of(verified_alice)
    assert listed == list(tokens_of(verified_alice)) == [newer, older]
    assert [(t.name, t.scopes, t.expires_at) for t in listed] == [
        (newer.name, newer.scopes, newer.expires_at),
        (older.name, older.scopes, older.expires_at),
    ]
    page = alice_client.get(PROFILE).content.decode()
    assert page.index("较新的") < page.index("较早的")
    assert f"api-token-{bobs.pk}" not in page and "鲍勃的" not in page
    assert token_list_of(verified_bob) == [bobs]
