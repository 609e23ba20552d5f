"""著作权人 and 鉴别材料 through the pages: adding and removing owners, uploads checked page by page."""

import pytest
from django.test import Client
from django.urls import reverse

from ruanzhu.filings.states import Status
from ruanzhu.identity.selectors import verified_identity_of
from ruanzhu.notifications.models import Notification
from tests.factories import STEP_DATA, invitation_accept_as
from tests.filings.flow import fill, messages_of, post_step, start, step_url, upload


@pytest.fixture
def alice_client(client, verified_alice, private_storage):
    client.force_login(verified_alice)
    return client


@pytest.fixture
def draft(alice_client):
    filing = start(alice_client)
    post_step(alice_client, filing, "software")
    post_step(alice_client, filing, "development")
    filing.refresh_from_db()
    return filing


def add_owner(client, filing, identifier):
    return client.post(
        reverse("filings:owner_add", args=[filing.pk]), {"identifier": identifier}, follow=True
    )


def test_co_owner_added_by_phone_is_invited_and_joins_with_details_from_the_verification_once_accepted(
    alice_client, draft, verified_bob
):
    response = add_owner(alice_client, draft, "138 0000 0002")
    assert "已向138****0002发出邀请" in messages_of(response) and "鲍勃" not in messages_of(response)
    bob = draft.parties.get(account=verified_bob)
    assert (bob.status, bob.invited_as, bob.name, bob.identity_index) == ("invited", "138****0002", "", "")
    invitation_accept_as(draft, verified_bob)
    bob.refresh_from_db()
    assert (bob.status, bob.name, bob.category, bob.province) == ("accepted", "鲍勃", "自然人", "北京市")
    # The identity key, not a second copy of the ID number; the number is read from the verification.
    assert bob.id_number == "" and bob.identity_index == verified_identity_of(verified_bob).identity_index
    assert bob.verified_id_number == "110105198510120029" and bob.masked_id_number == "110***********0029"
    page = alice_client.get(step_url(draft, "development")).content.decode()
    assert 'data-testid="owner-bob"' in page and "110***********0029" in page
    assert "110105198510120029" not in page


def test_co_owner_added_by_username_is_invited(alice_client, draft, verified_bob):
    assert "已向b*b发出邀请" in messages_of(add_owner(alice_client, draft, "bob"))
    assert draft.parties.get(account=verified_bob).status == "invited"


def test_bad_identifier_staff_self_and_duplicate(alice_client, draft, verified_bob, examiner):
    assert "手机号格式不正确" in messages_of(add_owner(alice_client, draft, "12345"))
    assert "用户名格式不正确" in messages_of(add_owner(alice_client, draft, "bob smith!"))
    assert "请输入著作权人的手机号或用户名" in messages_of(add_owner(alice_client, draft, ""))
    assert "不能邀请自己" in messages_of(add_owner(alice_client, draft, "13800000001"))
    # Staff are no parties: answered as a number nobody registered, and nothing is stored or sent.
    assert "已向e******r发出邀请" in messages_of(add_owner(alice_client, draft, "examiner"))
    assert draft.parties.count() == 1 and not Notification.objects.filter(recipient=examiner).exists()
    add_owner(alice_client, draft, "bob")
    # Invited again, by username or phone: the same answer, and no second invitation or notice.
    assert "已向b*b发出邀请" in messages_of(add_owner(alice_client, draft, "bob"))
    assert "已向138****0002发出邀请" in messages_of(add_owner(alice_client, draft, "13800000002"))
    assert draft.parties.count() == 2 and Notification.objects.filter(recipient=verified_bob).count() == 1


def test_unverified_invitee_is_told_to_verify_first(alice_client, draft, newcomer):
    response = add_owner(alice_client, draft, newcomer.username)
    assert "已向n******r发出邀请" in messages_of(response) and "实名认证" not in messages_of(response)
    party = draft.parties.get(account=newcomer)
    newcomer_client = Client()
    newcomer_client.force_login(newcomer)
    page = newcomer_client.get(reverse("filings:invitations")).content.decode()
    assert 'data-testid="verify-first"' in page and f'data-testid="accept-invitation-{party.pk}"' not in page
    response = newcomer_client.post(reverse("filings:invitation_accept", args=[party.pk]), follow=True)
    assert "请先完成实名认证" in messages_of(response)
    party.refresh_from_db()
    assert (party.status, party.name) == ("invited", "")


def test_the_filer_cannot_be_removed_from_its_own_filing(alice_client, draft, verified_alice):
    party = draft.parties.get(account=verified_alice)
    response = alice_client.post(reverse("filings:owner_remove", args=[draft.pk, party.pk]), follow=True)
    assert "不能从自己的申请中移除" in messages_of(response)
    assert draft.parties.filter(pk=party.pk).exists()
    assert (
        'data-testid="remove-owner-alice"'
        not in alice_client.get(step_url(draft, "development")).content.decode()
    )


def test_co_owner_can_be_removed(alice_client, draft, verified_bob):
    add_owner(alice_client, draft, "bob")
    invitation_accept_as(draft, verified_bob)
    party = draft.parties.get(account=verified_bob)
    assert alice_client.get(reverse("filings:owner_remove", args=[draft.pk, party.pk])).status_code == 405
    alice_client.post(reverse("filings:owner_remove", args=[draft.pk, party.pk]))
    assert not draft.parties.filter(account=verified_bob).exists()


def test_co_owner_sees_the_filing_read_only_from_the_moment_it_accepts(
    alice_client, client, draft, verified_bob
):
    add_owner(alice_client, draft, "bob")
    bob_client = Client()
    bob_client.force_login(verified_bob)
    assert f'data-testid="filing-{draft.pk}"' not in bob_client.get(reverse("filings:mine")).content.decode()
    assert bob_client.get(reverse("filings:detail", args=[draft.pk])).status_code == 404
    invitation_accept_as(draft, verified_bob)
    listing = bob_client.get(reverse("filings:mine")).content.decode()
    assert f'data-testid="filing-{draft.pk}"' in listing and f'data-testid="view-{draft.pk}"' in listing
    assert (
        f'data-testid="edit-{draft.pk}"' not in listing and f'data-testid="delete-{draft.pk}"' not in listing
    )
    detail = bob_client.get(reverse("filings:detail", args=[draft.pk])).content.decode()
    assert STEP_DATA["software"]["full_name"] in detail and 'data-testid="continue-editing"' not in detail
    assert 'data-testid="delete-draft"' not in detail and 'data-testid="withdraw-form"' not in detail
    for slug in ("role", "software", "development", "features", "confirm"):
        assert bob_client.get(step_url(draft, slug)).status_code == 404
    assert bob_client.post(step_url(draft, "software"), STEP_DATA["software"]).status_code == 404
    assert (
        bob_client.post(reverse("filings:owner_add", args=[draft.pk]), {"identifier": "carol"}).status_code
        == 404
    )
    assert bob_client.post(reverse("filings:delete", args=[draft.pk])).status_code == 404


def test_deposits_upload_and_pass(alice_client, draft, deposits):
    upload(alice_client, draft, "program_deposit", deposits["program"], "program.pdf")
    response = upload(
        alice_client, draft, "document_deposit", deposits["document"], "document.pdf", HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert (
        response.status_code == 200 and 'data-testid="checks-document_deposit"' in page and "检查通过" in page
    )
    assert set(draft.documents.values_list("kind", flat=True)) == {"program_deposit", "document_deposit"}
    download = alice_client.get(reverse("filings:document", args=[draft.pk, "program_deposit"]))
    assert download.status_code == 200 and download.getvalue() == deposits["program"]
    assert download["Cache-Control"] == "private, no-store"


def test_deposit_with_too_few_lines_is_refused_page_by_page(alice_client, draft, deposits):
    response = upload(
        alice_client, draft, "program_deposit", deposits["short"], "short.pdf", HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert 'data-testid="upload-error-program_deposit"' in page
    assert "第3页只有43行，程序鉴别材料每页不少于50行" in page
    assert not draft.documents.exists()
    response = upload(alice_client, draft, "program_deposit", deposits["short"], "short.pdf", follow=True)
    assert "第3页只有43行" in messages_of(response)
    assert not draft.documents.exists()


def test_upload_that_is_not_a_pdf_or_too_big_is_refused(alice_client, draft, deposits, settings):
    response = upload(alice_client, draft, "program_deposit", b"GIF89a not a pdf", "p.gif", follow=True)
    assert "请上传PDF文件" in messages_of(response)
    settings.FILING_UPLOAD_MAX_BYTES = 1000
    response = upload(alice_client, draft, "program_deposit", deposits["program"], "program.pdf", follow=True)
    assert "文件不能超过" in messages_of(response)
    response = alice_client.post(
        reverse("filings:upload", args=[draft.pk, "program_deposit"]), {}, follow=True
    )
    assert "请选择要上传的文件" in messages_of(response)
    assert not draft.documents.exists()


def test_upload_of_an_unknown_kind_is_404_and_of_an_unneeded_one_refused(alice_client, draft, deposits):
    assert upload(alice_client, draft, "passport", deposits["program"]).status_code == 404
    response = upload(alice_client, draft, "commission_contract", deposits["program"], follow=True)
    assert "本申请不需要此材料" in messages_of(response)


def test_renaming_the_software_shows_the_stored_deposit_problems(alice_client, draft, deposits):
    upload(alice_client, draft, "program_deposit", deposits["program"], "program.pdf")
    post_step(alice_client, draft, "software", full_name="智慧园区综合管理平台")
    page = alice_client.get(step_url(draft, "features")).content.decode()
    assert 'data-testid="problems-program_deposit"' in page and "智慧园区综合管理平台" in page


def test_features_step_waits_for_the_deposits(alice_client, draft):
    response = post_step(alice_client, draft, "features")
    assert response["Location"] == step_url(draft, "features")
    assert "请上传程序鉴别材料" in messages_of(alice_client.get(response["Location"]))


def test_the_confirm_step_lists_what_is_missing(alice_client, verified_alice):
    filing = fill(alice_client, start(alice_client), deposits=None, co_owner=None)
    page = alice_client.get(step_url(filing, "confirm")).content.decode()
    assert 'data-testid="completeness-problems"' in page
    assert "请上传程序鉴别材料" in page and "共有著作权须添加至少两位著作权人" in page
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT
