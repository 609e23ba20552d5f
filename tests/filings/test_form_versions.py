"""Form versions through the pages: a confirmation counts for the version it was given to, never for a later one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ruanzhu.core.files import read_private_file
from ruanzhu.filings.models import Confirmation, FormVersion
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.issue import form_confirm_in_account
from ruanzhu.filings.states import Status
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.factories import STEP_DATA
from tests.filings.flow import filing_url, messages_of, post_step, step_url

url = filing_url


@pytest.fixture(autouse=True)
def _generous_send_limits(settings):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"


def confirm_code(client, filing, party, code):
    response = client.post(url("code_confirm", filing), {"party_id": party.pk, "code": code}, follow=True)
    filing.refresh_from_db()
    return response


def edit_purpose(client, filing, purpose):
    response = post_step(client, filing, "features", purpose=purpose)
    assert response.status_code == 302
    filing.refresh_from_db()


ORIGINAL_PURPOSE = STEP_DATA["features"]["purpose"]


def test_a_b_a_is_a_new_version_and_the_earlier_confirmation_does_not_count(
    ready, send, alice_client, bob_client, verified_alice, verified_bob
):
    send(ready)
    assert ready.form_version == 1
    first = ready.fingerprint
    old_code = latest_code_in_outbox(verified_bob.phone)
    bob_client.post(url("confirm_mine", ready))
    assert Confirmation.objects.filter(filing=ready, party__account=verified_bob).count() == 1

    edit_purpose(alice_client, ready, "园区精细化管理")  # A → B
    assert ready.status == Status.DRAFT
    edit_purpose(alice_client, ready, ORIGINAL_PURPOSE)  # B → A
    send(ready)

    assert ready.status == Status.AWAITING_CODES and ready.form_version == 2
    assert ready.fingerprint == first  # the same content …
    assert FormVersion.objects.filter(filing=ready).count() == 2  # … is another version
    page = alice_client.get(step_url(ready, "confirm")).content.decode()
    assert 'data-testid="code-bob"' in page and 'data-testid="confirmed-bob"' not in page
    alice_party, bob_party = (
        ready.parties.get(account=verified_alice),
        ready.parties.get(account=verified_bob),
    )
    confirm_code(alice_client, ready, alice_party, latest_code_in_outbox(verified_alice.phone))
    assert ready.status == Status.AWAITING_CODES  # bob's confirmation of version 1 does not count

    # The code bob got for version 1 does not confirm version 2 either; the new one does.
    response = confirm_code(alice_client, ready, bob_party, old_code)
    assert "验证码不正确" in messages_of(response) and ready.status == Status.AWAITING_CODES
    confirm_code(alice_client, ready, bob_party, latest_code_in_outbox(verified_bob.phone))
    assert ready.status == Status.FORM_ISSUED
    version = FormVersion.objects.get(filing=ready, number=2)
    assert version.confirmed_at is not None
    assert set(version.confirmations.values_list("party__account__username", flat=True)) == {"alice", "bob"}


def test_an_edit_after_everyone_confirmed_voids_and_everyone_confirms_again(
    ready, send, alice_client, bob_client, verified_alice, verified_bob
):
    send(ready)
    for party in ready.parties.order_by("position"):
        confirm_code(alice_client, ready, party, latest_code_in_outbox(party.account.phone))
    assert ready.status == Status.FORM_ISSUED and ready.form_version == 1

    edit_purpose(alice_client, ready, "园区精细化管理")
    assert ready.status == Status.DRAFT and ready.fingerprint == ""
    assert alice_client.get(url("form_pdf", ready)).status_code == 404
    edit_purpose(alice_client, ready, ORIGINAL_PURPOSE)  # back to what both confirmed
    response = send(ready)

    text = messages_of(response)
    assert "李爱丽 138****0001" in text and "鲍勃 138****0002" in text  # both get a new code
    assert ready.status == Status.AWAITING_CODES and ready.form_version == 2
    assert not Confirmation.objects.filter(version__filing=ready, version__number=2).exists()
    detail = bob_client.get(url("detail", ready)).content.decode()
    assert 'data-testid="awaiting-me"' in detail
    page = alice_client.get(step_url(ready, "confirm")).content.decode()
    assert 'data-testid="form-version"' in page and "第2版申请表" in page

    bob_client.post(url("confirm_mine", ready))
    ready.refresh_from_db()
    assert ready.status == Status.AWAITING_CODES  # alice has not confirmed version 2
    confirm_code(
        alice_client,
        ready,
        ready.parties.get(account=verified_alice),
        latest_code_in_outbox(verified_alice.phone),
    )
    assert ready.status == Status.FORM_ISSUED


def test_confirming_in_the_account_a_version_that_was_replaced_is_refused(
    ready, send, alice_client, bob_client, verified_bob
):
    send(ready)
    stale = type(ready).objects.get(pk=ready.pk)  # what bob's page showed: version 1
    edit_purpose(alice_client, ready, "园区精细化管理")
    send(ready)
    with pytest.raises(FilingError):
        form_confirm_in_account(filing=stale, account=verified_bob)
    assert not Confirmation.objects.filter(filing=ready, party__account=verified_bob).exists()


def test_sending_the_codes_again_keeps_the_version(ready, send, alice_client):
    send(ready)
    send(ready)
    assert ready.form_version == 1 and FormVersion.objects.filter(filing=ready).count() == 1


def test_a_signature_page_signed_for_an_earlier_version_does_not_submit_the_new_one(
    ready, send, alice_client, verified_alice, verified_bob
):
    def confirm_all():
        for party in ready.parties.select_related("account"):
            confirm_code(alice_client, ready, party, latest_code_in_outbox(party.account.phone))

    def upload_page(name):
        form = read_private_file(ready.form_storage_name)  # the issued form, as scanned back signed
        alice_client.post(
            url("signature_page", ready), {"file": SimpleUploadedFile(name, form, "application/pdf")}
        )

    send(ready)
    confirm_all()
    assert ready.status == Status.FORM_ISSUED
    upload_page("v1.pdf")

    edit_purpose(alice_client, ready, "园区精细化管理")
    send(ready)
    confirm_all()
    assert ready.status == Status.FORM_ISSUED and ready.form_version == 2
    response = alice_client.post(url("submit", ready), follow=True)
    assert "请上传第2版申请表签章后的签章页" in messages_of(response)
    ready.refresh_from_db()
    assert ready.status == Status.FORM_ISSUED

    upload_page("v2.pdf")
    alice_client.post(url("submit", ready))
    ready.refresh_from_db()
    assert ready.status == Status.SUBMITTED
