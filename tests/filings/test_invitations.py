"""Co-owners by invitation: the filer sees only what it typed, masked, until the invitee accepts in its account."""

import pytest
from django.test import Client
from django.urls import reverse

from ruanzhu.core.files import read_private_file
from ruanzhu.filings.models import FilingParty
from ruanzhu.filings.services.parties import invitation_decline, owner_add
from ruanzhu.filings.services.submission import filing_withdraw
from ruanzhu.filings.services.versions import confirming_parties
from ruanzhu.filings.states import Status
from ruanzhu.notifications.models import Notification
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from tests.documents.pdfread import flat_text
from tests.factories import FilingFactory, staff_session
from tests.filings.flow import confirm_code, fill, messages_of, start, step_url

BOB_NAME = "鲍勃"
BOB_ID = "110105198510120029"
BOB_MASKED_ID = "110***********0029"
INVITATIONS = reverse("filings:invitations")


def accept_url(party) -> str:
    return reverse("filings:invitation_accept", args=[party.pk])


def decline_url(party) -> str:
    return reverse("filings:invitation_decline", args=[party.pk])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(client, verified_alice, private_storage, settings):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"
    client.force_login(verified_alice)
    return client


@pytest.fixture
def bob_client(verified_bob):
    return logged_in(verified_bob)


@pytest.fixture
def ready(alice_client, deposits):
    """alice's R11 draft with everything filled in and no co-owner yet."""
    return fill(alice_client, start(alice_client), deposits, co_owner=None)


@pytest.fixture
def invite(alice_client, django_capture_on_commit_callbacks):
    def invite_by(filing, identifier):
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(
                reverse("filings:owner_add", args=[filing.pk]), {"identifier": identifier}, follow=True
            )
        filing.refresh_from_db()
        return response

    return invite_by


def invitation_message(response):
    """Return the one message of the response that answers the invitation."""
    (message,) = [message for message in response.context["messages"] if "发出邀请" in str(message)]
    return message


def pages_of(client, filing) -> str:
    """Return everything the filer can read of the filing: its panel, its confirm step and its detail page."""
    return "".join(
        client.get(url).content.decode()
        for url in (
            step_url(filing, "development"),
            step_url(filing, "confirm"),
            reverse("filings:detail", args=[filing.pk]),
        )
    )


def test_adding_bob_by_phone_reveals_nothing_of_him_until_he_accepts(
    alice_client, ready, invite, verified_bob
):
    response = invite(ready, "13800000002")
    said = messages_of(response)
    assert "已向138****0002发出邀请" in said and BOB_NAME not in said and "bob" not in said
    party = ready.parties.get(account=verified_bob)
    assert party.status == FilingParty.Status.INVITED and party.invited_as == "138****0002"
    assert (party.name, party.category, party.id_type, party.id_number, party.identity_index) == ("",) * 5
    assert party.masked_id_number == ""
    page = pages_of(alice_client, ready)
    assert f'data-testid="invitation-{party.pk}"' in page and "138****0002" in page and "待接受邀请" in page
    for secret in (BOB_NAME, BOB_ID, BOB_MASKED_ID, 'data-testid="owner-bob"', "summary-owner-bob"):
        assert secret not in page


def test_bob_gets_an_in_site_notice_and_a_text_message_naming_the_filer_and_the_software(
    ready, invite, verified_bob, bob_client
):
    invite(ready, "13800000002")
    notice = Notification.objects.get(recipient=verified_bob)
    assert notice.title == "著作权人邀请" and notice.link == INVITATIONS
    assert "李爱丽邀请您作为《智慧园区管理平台》（计算机软件著作权登记申请）的著作权人" in notice.body
    assert any(
        "李爱丽邀请您作为《智慧园区管理平台》" in sms.body for sms in outbox_messages(verified_bob.phone)
    )
    mine = bob_client.get(reverse("filings:mine")).content.decode()
    assert 'data-testid="pending-invitations"' in mine and f'data-testid="filing-{ready.pk}"' not in mine
    page = bob_client.get(INVITATIONS).content.decode()
    party = ready.parties.get(account=verified_bob)
    assert f'data-testid="invitation-{party.pk}"' in page and "智慧园区管理平台" in page and "李爱丽" in page
    assert f'data-testid="accept-invitation-{party.pk}"' in page


def test_bob_accepts_and_his_verified_details_join_the_filing(
    alice_client, ready, invite, verified_alice, verified_bob, bob_client
):
    invite(ready, "13800000002")
    party = ready.parties.get(account=verified_bob)
    response = bob_client.post(accept_url(party))
    assert response.status_code == 302 and response["Location"] == reverse("filings:detail", args=[ready.pk])
    party.refresh_from_db()
    assert (party.status, party.name, party.category, party.province) == (
        "accepted",
        BOB_NAME,
        "自然人",
        "北京市",
    )
    assert party.id_number == "" and party.identity_index and party.invited_as == "138****0002"
    assert bob_client.get(reverse("filings:detail", args=[ready.pk])).status_code == 200
    page = alice_client.get(step_url(ready, "development")).content.decode()
    assert (
        'data-testid="owner-bob"' in page
        and BOB_NAME in page
        and BOB_MASKED_ID in page
        and BOB_ID not in page
    )
    assert Notification.objects.filter(recipient=verified_alice, title="邀请已接受").exists()
    assert 'data-testid="no-invitations"' in bob_client.get(INVITATIONS).content.decode()


def test_bob_declines_and_nothing_of_him_is_revealed(
    alice_client, ready, invite, verified_alice, verified_bob, bob_client
):
    invite(ready, "13800000002")
    party = ready.parties.get(account=verified_bob)
    response = bob_client.post(decline_url(party), follow=True)
    assert "已拒绝邀请" in messages_of(response)
    party.refresh_from_db()
    assert (party.status, party.name, party.identity_index) == ("declined", "", "")
    notice = Notification.objects.get(recipient=verified_alice, title="邀请已拒绝")
    assert "138****0002" in notice.body and BOB_NAME not in notice.body
    page = pages_of(alice_client, ready)
    assert "138****0002" in page and "已拒绝" in page and BOB_NAME not in page and BOB_MASKED_ID not in page
    assert bob_client.get(reverse("filings:detail", args=[ready.pk])).status_code == 404
    # A declined invitation stops the form until the filer removes it.
    response = alice_client.post(reverse("filings:codes_send", args=[ready.pk]), follow=True)
    assert "以下当事人已拒绝邀请，请移除：138****0002" in messages_of(response)
    alice_client.post(reverse("filings:owner_remove", args=[ready.pk, party.pk]))
    assert not ready.parties.filter(pk=party.pk).exists()


def test_carol_cannot_accept_or_decline_bobs_invitation(ready, invite, verified_bob, verified_carol):
    invite(ready, "bob")
    party = ready.parties.get(account=verified_bob)
    carol = logged_in(verified_carol)
    assert carol.post(accept_url(party)).status_code == 404
    assert carol.post(decline_url(party)).status_code == 404
    assert f'data-testid="invitation-{party.pk}"' not in carol.get(INVITATIONS).content.decode()
    party.refresh_from_db()
    assert (party.status, party.name) == ("invited", "")


def test_an_unknown_phone_gets_the_same_answer_as_a_known_one_and_nothing_is_kept_or_sent(
    ready, invite, verified_bob
):
    known = invitation_message(invite(ready, "13800000002"))
    unknown = invitation_message(invite(ready, "13800000077"))
    assert str(known).replace("138****0002", "") == str(unknown).replace("138****0077", "")
    assert str(unknown).startswith("已向138****0077发出邀请") and (known.level, known.tags) == (
        unknown.level,
        unknown.tags,
    )
    assert ready.parties.count() == 2 and not ready.parties.filter(invited_as="138****0077").exists()
    assert Notification.objects.count() == 1 and not outbox_messages("+8613800000077").exists()


def test_the_form_cannot_be_issued_with_a_pending_invitation(
    alice_client, ready, invite, verified_bob, django_capture_on_commit_callbacks
):
    invite(ready, "13800000002")
    sent = outbox_messages(verified_bob.phone).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("filings:codes_send", args=[ready.pk]), follow=True)
    assert "待以下当事人接受邀请：138****0002" in messages_of(response)
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT and ready.fingerprint == ""
    assert outbox_messages(verified_bob.phone).count() == sent
    page = alice_client.get(step_url(ready, "confirm")).content.decode()
    assert 'data-testid="completeness-problems"' in page and "138****0002" in page


def test_an_invitation_voids_codes_already_sent_and_an_acceptance_leaves_a_draft_to_issue_again(
    alice_client, ready, invite, verified_bob, verified_carol, bob_client, django_capture_on_commit_callbacks
):
    invite(ready, "bob")
    bob_client.post(accept_url(ready.parties.get(account=verified_bob)))
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("filings:codes_send", args=[ready.pk]))
    ready.refresh_from_db()
    assert ready.status == Status.AWAITING_CODES
    response = invite(ready, "carol")
    assert "验证码和著作权人的确认已作废" in messages_of(response)
    assert ready.status == Status.DRAFT and ready.fingerprint == ""
    logged_in(verified_carol).post(accept_url(ready.parties.get(account=verified_carol)))
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("filings:codes_send", args=[ready.pk]))
    ready.refresh_from_db()
    assert ready.status == Status.AWAITING_CODES
    assert ready.parties.filter(status="accepted").count() == 3


def test_invitation_pages_need_login_and_the_right_method(ready, invite, verified_bob, bob_client):
    invite(ready, "bob")
    party = ready.parties.get(account=verified_bob)
    client = Client()
    for url in (INVITATIONS, accept_url(party), decline_url(party)):
        response = client.get(url) if url == INVITATIONS else client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert bob_client.post(INVITATIONS).status_code == 405
    assert bob_client.get(accept_url(party)).status_code == 405
    assert bob_client.get(decline_url(party)).status_code == 405
    assert bob_client.post(reverse("filings:invitation_accept", args=[999999])).status_code == 404
    party.refresh_from_db()
    assert party.status == "invited"


def test_staff_get_404(ready, invite, verified_bob, examiner):
    invite(ready, "bob")
    party = ready.parties.get(account=verified_bob)
    staff = staff_session(Client(), examiner)
    assert staff.get(INVITATIONS).status_code == 404
    assert staff.post(accept_url(party)).status_code == 404


def test_an_answered_or_withdrawn_invitation_cannot_be_answered_again(
    alice_client, ready, invite, verified_bob, bob_client
):
    invite(ready, "bob")
    party = ready.parties.get(account=verified_bob)
    bob_client.post(decline_url(party))
    response = bob_client.post(accept_url(party), follow=True)
    assert "该邀请已撤回或已处理" in messages_of(response)
    party.refresh_from_db()
    assert (party.status, party.name) == ("declined", "")
    alice_client.post(reverse("filings:owner_remove", args=[ready.pk, party.pk]))
    assert bob_client.post(accept_url(party)).status_code == 404
    # The applicant's own party is no invitation either.
    own = ready.parties.get(account__username="alice")
    response = alice_client.post(accept_url(own), follow=True)
    assert "该邀请已撤回或已处理" in messages_of(response)


def test_the_issued_form_prints_the_masked_id_number_read_from_the_verification(
    verified_alice, verified_bob, deposits, private_storage
):
    filing = FilingFactory(
        confirmed=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )
    assert set(filing.parties.values_list("id_number", flat=True)) == {""}
    text = flat_text(read_private_file(filing.form_storage_name))
    assert BOB_NAME in text and BOB_MASKED_ID in text and BOB_ID not in text


def test_an_invitee_who_has_not_joined_confirms_nothing_and_hears_nothing_more(
    alice_client,
    deposits,
    send,
    verified_alice,
    verified_bob,
    verified_carol,
    django_capture_on_commit_callbacks,
):
    ready = fill(alice_client, start(alice_client), deposits)  # with bob, who accepted
    send(ready)
    for party in ready.parties.select_related("account"):
        confirm_code(alice_client, ready, party, latest_code_in_outbox(party.account.phone))
    ready.refresh_from_db()
    assert ready.status == Status.FORM_ISSUED and ready.flow_number
    owner_add(filing=ready, by=verified_alice, identifier="carol")
    carol = ready.parties.get(account=verified_carol)
    assert carol.status == FilingParty.Status.INVITED
    assert verified_carol.pk not in confirming_parties(ready).values_list("account", flat=True)
    invitation_decline(party=carol, by=verified_carol)
    ready.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        filing_withdraw(filing=ready, by=verified_alice, reason="另行申请")
    told = set(Notification.objects.filter(title="登记申请已撤回").values_list("recipient", flat=True))
    assert told == {verified_alice.pk, verified_bob.pk}
