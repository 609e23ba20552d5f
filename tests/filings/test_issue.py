"""出申请表 through the pages: one code per owner, confirmation in the owner's account, the form, 确认填报, 撤回."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ruanzhu.filings.models import Confirmation, FilingEvent
from ruanzhu.filings.states import Status
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.filings.flow import (
    confirm_code,
    filing_url,
    fill,
    messages_of,
    parties,
    post_step,
    start,
    step_url,
    upload_signature,
)

url = filing_url


@pytest.fixture(autouse=True)
def _generous_send_limits(settings):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"


def test_codes_go_to_every_owner_and_the_page_says_to_whom(ready, send):
    response = send(ready)
    text = messages_of(response)
    assert "李爱丽 138****0001" in text and "鲍勃 138****0002" in text
    assert ready.status == Status.AWAITING_CODES and len(ready.fingerprint) == 64
    page = response.content.decode()
    assert 'data-testid="code-alice"' in page and 'data-testid="code-bob"' in page


def test_form_cannot_be_issued_while_something_is_missing(alice_client, verified_alice, send):
    filing = fill(alice_client, start(alice_client), deposits=None, co_owner=None)
    response = send(filing)
    assert "请上传程序鉴别材料" in messages_of(response)
    assert filing.status == Status.DRAFT and filing.fingerprint == ""


def test_pending_invitation_of_an_unverified_co_owner_blocks_the_form(ready, alice_client, newcomer, send):
    alice_client.post(url("owner_add", ready), {"identifier": "newcomer"})
    response = send(ready)
    assert "待以下当事人接受邀请：n******r" in messages_of(response)
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT and ready.fingerprint == ""


def test_wrong_code_is_refused(ready, send, alice_client, verified_alice, verified_bob):
    send(ready)
    alice_party, _bob = parties(ready, verified_alice, verified_bob)
    right = latest_code_in_outbox(verified_alice.phone)
    wrong = "000000" if right != "000000" else "111111"
    response = confirm_code(alice_client, ready, alice_party, wrong)
    assert "验证码" in messages_of(response)
    assert not Confirmation.objects.filter(filing=ready).exists()
    response = confirm_code(alice_client, ready, alice_party, "12ab")
    assert "请输入6位验证码" in messages_of(response)


def test_code_cannot_be_used_twice(ready, send, alice_client, verified_alice, verified_bob):
    send(ready)
    alice_party, _bob = parties(ready, verified_alice, verified_bob)
    code = latest_code_in_outbox(verified_alice.phone)
    confirm_code(alice_client, ready, alice_party, code)
    Confirmation.objects.filter(filing=ready).delete()
    response = confirm_code(alice_client, ready, alice_party, code)
    assert "已确认" not in messages_of(response)
    assert not Confirmation.objects.filter(filing=ready).exists()


def test_one_owners_code_does_not_confirm_another(ready, send, alice_client, verified_alice, verified_bob):
    send(ready)
    _alice, bob_party = parties(ready, verified_alice, verified_bob)
    response = confirm_code(alice_client, ready, bob_party, latest_code_in_outbox(verified_alice.phone))
    assert not Confirmation.objects.filter(filing=ready).exists(), messages_of(response)


def test_code_of_another_filing_is_refused(ready, send, alice_client, verified_alice, verified_bob, deposits):
    other = fill(alice_client, start(alice_client), deposits)
    send(ready)
    code = latest_code_in_outbox(verified_alice.phone)
    send(other)
    other_alice, _bob = parties(other, verified_alice, verified_bob)
    # The code sent for ``ready`` was the latest before ``other`` got its own; try it on ``other``.
    response = confirm_code(alice_client, other, other_alice, code)
    assert not Confirmation.objects.filter(filing=other).exists(), messages_of(response)
    response = confirm_code(alice_client, ready, other_alice, latest_code_in_outbox(verified_alice.phone))
    assert "没有这位著作权人" in messages_of(response)
    assert not Confirmation.objects.filter(filing=ready).exists()


def test_owner_confirms_in_its_own_account(ready, send, bob_client, verified_bob):
    send(ready)
    listing = bob_client.get(reverse("filings:mine")).content.decode()
    assert f'data-testid="awaiting-me-{ready.pk}"' in listing
    detail = bob_client.get(url("detail", ready)).content.decode()
    assert 'data-testid="awaiting-me"' in detail
    assert bob_client.get(url("confirm_mine", ready)).status_code == 405
    bob_client.post(url("confirm_mine", ready))
    assert Confirmation.objects.filter(filing=ready, party__account=verified_bob, via="account").exists()
    assert 'data-testid="awaiting-me"' not in bob_client.get(url("detail", ready)).content.decode()


def test_confirm_in_account_refused_for_a_viewer_who_is_no_owner(ready, send, client, carol):
    send(ready)
    client.force_login(carol)
    assert client.post(url("confirm_mine", ready)).status_code == 404


def test_form_is_issued_when_all_confirmed(issued, alice_client, bob_client):
    page = alice_client.get(step_url(issued, "confirm")).content.decode()
    assert issued.flow_number in page and 'data-testid="download-form"' in page
    response = bob_client.get(url("form_pdf", issued))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.getvalue())).pages)
    assert issued.flow_number in text and "智慧园区管理平台" in text


def test_form_pdf_is_404_before_it_is_issued(ready, alice_client):
    assert alice_client.get(url("form_pdf", ready)).status_code == 404


def test_an_edit_after_the_codes_voids_the_confirmations(issued, alice_client, send):
    response = post_step(alice_client, issued, "features", purpose="园区精细化管理")
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.status == Status.DRAFT and issued.fingerprint == ""
    page = alice_client.get(step_url(issued, "confirm"))
    assert "确认已作废" in messages_of(page)
    assert 'data-testid="confirmations-voided"' in page.content.decode()
    assert alice_client.get(url("form_pdf", issued)).status_code == 404
    send(issued)
    assert not Confirmation.objects.filter(filing=issued, fingerprint=issued.fingerprint).exists()


def test_submit_needs_the_signature_page(issued, alice_client):
    response = alice_client.post(url("submit", issued), follow=True)
    assert "请上传签章后的申请确认签章页" in messages_of(response)
    issued.refresh_from_db()
    assert issued.status == Status.FORM_ISSUED


def test_signature_page_must_be_a_pdf_or_an_image(issued, alice_client):
    response = upload_signature(alice_client, issued, b"just text", "signed.txt")
    assert "请上传PDF文件" in messages_of(response)
    assert not issued.documents.filter(kind="signature_page").exists()


def test_signature_page_only_after_the_form(ready, alice_client):
    response = upload_signature(alice_client, ready)
    assert "请先出申请表" in messages_of(response)


def test_submission_locks_the_filing(issued, alice_client, bob_client):
    upload_signature(alice_client, issued)
    response = alice_client.post(url("submit", issued), follow=True)
    assert "申请已提交，等待受理" in messages_of(response)
    issued.refresh_from_db()
    assert issued.status == Status.SUBMITTED and issued.submitted_at is not None
    response = post_step(alice_client, issued, "software", full_name="改名")
    assert response["Location"] == url("detail", issued)
    issued.refresh_from_db()
    assert issued.details["full_name"] == "智慧园区管理平台"
    response = alice_client.post(url("owner_add", issued), {"identifier": "carol"}, follow=True)
    assert "申请已提交，不能再修改" in messages_of(response)
    assert alice_client.post(url("submit", issued)).status_code == 302
    assert FilingEvent.objects.filter(filing=issued, to_status=Status.SUBMITTED).count() == 1
    detail = bob_client.get(url("detail", issued)).content.decode()
    assert "待受理" in detail and 'data-testid="withdraw-form"' not in detail


def test_withdraw_needs_a_reason(issued, alice_client):
    response = alice_client.post(url("withdraw", issued), {"reason": ""}, follow=True)
    assert "请填写撤回理由" in messages_of(response)
    issued.refresh_from_db()
    assert issued.status == Status.FORM_ISSUED
    alice_client.post(url("withdraw", issued), {"reason": "不再申请"})
    issued.refresh_from_db()
    assert issued.status == Status.WITHDRAWN
    response = alice_client.post(url("withdraw", issued), {"reason": "again"}, follow=True)
    assert "不能撤回" in messages_of(response)


def test_co_owner_cannot_withdraw_or_submit(issued, bob_client):
    assert bob_client.post(url("withdraw", issued), {"reason": "x"}).status_code == 404
    assert bob_client.post(url("submit", issued)).status_code == 404
    issued.refresh_from_db()
    assert issued.status == Status.FORM_ISSUED
