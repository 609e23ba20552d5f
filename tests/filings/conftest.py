import pytest
from django.test import Client

from ruanzhu.filings.states import Status
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.filings.flow import confirm_code, filing_url, fill, parties, start


# --- An R11 filing through the pages, ready for 出申请表 (alice with bob as co-owner) ---------------------------------
@pytest.fixture
def alice_client(client, verified_alice, private_storage):
    client.force_login(verified_alice)
    return client


@pytest.fixture
def bob_client(verified_bob):
    bob = Client()
    bob.force_login(verified_bob)
    return bob


@pytest.fixture
def ready(alice_client, verified_bob, deposits):
    return fill(alice_client, start(alice_client), deposits)


@pytest.fixture
def send(alice_client, django_capture_on_commit_callbacks):
    """Send the codes (出申请表) as alice, delivering them at once; return the page that follows."""

    def send_codes(filing):
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(filing_url("codes_send", filing), follow=True)
        filing.refresh_from_db()
        return response

    return send_codes


@pytest.fixture
def issued(ready, send, alice_client, verified_alice, verified_bob):
    """The form issued: alice relayed her code and bob's."""
    send(ready)
    alice_party, bob_party = parties(ready, verified_alice, verified_bob)
    confirm_code(alice_client, ready, alice_party, latest_code_in_outbox(verified_alice.phone))
    confirm_code(alice_client, ready, bob_party, latest_code_in_outbox(verified_bob.phone))
    ready.refresh_from_db()
    assert ready.status == Status.FORM_ISSUED
    return ready
