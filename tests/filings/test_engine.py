"""The filing engine at the service level: drafts, owners, deposits, codes, the form, submission."""

import pytest
from pypdf import PdfReader

from ruanzhu.core.files import read_private_file
from ruanzhu.filings.models import Confirmation, FilingEvent
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.documents import filing_upload_document, signature_page_upload
from ruanzhu.filings.services.drafts import filing_create, filing_save_step
from ruanzhu.filings.services.issue import form_confirm_in_account, form_confirm_with_code, form_request_codes
from ruanzhu.filings.services.parties import owner_add, owner_remove
from ruanzhu.filings.services.submission import filing_submit, filing_withdraw
from ruanzhu.filings.states import Status
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.factories import STEP_DATA, invitation_accept_as


def fill(filing, by):
    from ruanzhu.filings.definitions import definition_for

    definition = definition_for(filing.service)
    for step in definition.form_steps:
        form = step.form_class(data=STEP_DATA[step.slug])
        assert form.is_valid(), (step.slug, form.errors)
        filing = filing_save_step(filing=filing, by=by, step=step.slug, cleaned_data=form.cleaned_data)
    return filing


@pytest.fixture
def ready(verified_alice, verified_bob, deposits, private_storage):
    filing = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    filing = fill(filing, verified_alice)
    owner_add(filing=filing, by=verified_alice, identifier="13800000002")
    invitation_accept_as(filing, verified_bob)
    filing_upload_document(
        filing=filing, by=verified_alice, kind="program_deposit", data=deposits["program"], filename="p.pdf"
    )
    filing_upload_document(
        filing=filing, by=verified_alice, kind="document_deposit", data=deposits["document"], filename="d.pdf"
    )
    filing.refresh_from_db()
    return filing


def send_codes(filing, by, capture):
    with capture(execute=True):
        return form_request_codes(filing=filing, by=by)


def test_full_flow_from_draft_to_submission(
    ready, verified_alice, verified_bob, django_capture_on_commit_callbacks
):
    reached = send_codes(ready, verified_alice, django_capture_on_commit_callbacks)
    assert len(reached) == 2 and any("138****0002" in line for line in reached)
    ready.refresh_from_db()
    assert ready.status == Status.AWAITING_CODES and len(ready.fingerprint) == 64
    alice_party, _bob_party = ready.parties.order_by("position")
    form_confirm_with_code(
        filing=ready,
        by=verified_alice,
        party_id=alice_party.pk,
        code=latest_code_in_outbox(verified_alice.phone),
    )
    ready.refresh_from_db()
    assert ready.status == Status.AWAITING_CODES
    form_confirm_in_account(filing=ready, account=verified_bob)
    ready.refresh_from_db()
    assert ready.status == Status.FORM_ISSUED
    assert ready.flow_number.startswith("R11") and len(ready.flow_number) == 17
    text = "".join(
        page.extract_text()
        for page in PdfReader(__import__("io").BytesIO(read_private_file(ready.form_storage_name))).pages
    )
    for expected in (
        "计算机软件著作权登记申请表",
        "智慧园区管理平台",
        "李爱丽",
        "鲍勃",
        ready.flow_number,
        "申请确认签章页",
    ):
        assert expected in text
    with pytest.raises(FilingError):
        filing_submit(filing=ready, by=verified_alice)
    signature_page_upload(
        filing=ready,
        by=verified_alice,
        data=read_private_file(ready.form_storage_name),
        filename="signed.pdf",
    )
    submitted = filing_submit(filing=ready, by=verified_alice)
    again = filing_submit(filing=ready, by=verified_alice)
    assert submitted.status == again.status == Status.SUBMITTED
    assert FilingEvent.objects.filter(filing=ready, to_status=Status.SUBMITTED).count() == 1


def test_an_edit_voids_the_confirmations(ready, verified_alice, django_capture_on_commit_callbacks, settings):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"  # the second round of codes follows within the minute
    send_codes(ready, verified_alice, django_capture_on_commit_callbacks)
    alice_party = ready.parties.get(account=verified_alice)
    ready.refresh_from_db()
    old_code = latest_code_in_outbox(verified_alice.phone)
    form_confirm_with_code(filing=ready, by=verified_alice, party_id=alice_party.pk, code=old_code)
    fill_data = {**STEP_DATA["features"], "purpose": "园区精细化管理"}
    from ruanzhu.filings.definitions.r11.forms import FeaturesForm

    form = FeaturesForm(data=fill_data)
    assert form.is_valid()
    ready.refresh_from_db()
    filing_save_step(filing=ready, by=verified_alice, step="features", cleaned_data=form.cleaned_data)
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT and ready.fingerprint == ""
    send_codes(ready, verified_alice, django_capture_on_commit_callbacks)
    ready.refresh_from_db()
    assert not Confirmation.objects.filter(filing=ready, fingerprint=ready.fingerprint).exists()


def test_code_of_another_filing_is_refused(ready, verified_alice, django_capture_on_commit_callbacks):
    other = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    send_codes(ready, verified_alice, django_capture_on_commit_callbacks)
    ready.refresh_from_db()
    code = latest_code_in_outbox(verified_alice.phone)
    party = other.parties.get()
    with pytest.raises(FilingError):
        form_confirm_with_code(filing=other, by=verified_alice, party_id=party.pk, code=code)


def test_unverified_invitee_cannot_accept_and_its_invitation_blocks_the_form(ready, verified_alice, carol):
    carol.identity_status = "unverified"
    carol.save()
    owner_add(filing=ready, by=verified_alice, identifier="carol")
    with pytest.raises(FilingError, match="请先完成实名认证"):
        invitation_accept_as(ready, carol)
    with pytest.raises(FilingError, match=r"待以下当事人接受邀请：c\*\*\*l"):
        form_request_codes(filing=ready, by=verified_alice)


def test_co_owner_who_lost_its_verification_blocks_the_form_by_name(ready, verified_alice, verified_carol):
    owner_add(filing=ready, by=verified_alice, identifier="carol")
    invitation_accept_as(ready, verified_carol)
    verified_carol.identity_status = "unverified"
    verified_carol.save()
    with pytest.raises(FilingError, match="carol"):
        form_request_codes(filing=ready, by=verified_alice)


def test_applicant_cannot_be_removed(ready, verified_alice):
    with pytest.raises(FilingError):
        owner_remove(filing=ready, by=verified_alice, party_id=ready.parties.get(account=verified_alice).pk)


def test_deposit_with_a_short_page_is_refused_page_by_page(ready, verified_alice, deposits):
    with pytest.raises(FilingError, match="第3页只有43行"):
        filing_upload_document(
            filing=ready, by=verified_alice, kind="program_deposit", data=deposits["short"], filename="s.pdf"
        )


def test_renaming_the_software_rechecks_the_deposits(ready, verified_alice):
    from ruanzhu.filings.definitions.r11.forms import SoftwareForm

    form = SoftwareForm(data={**STEP_DATA["software"], "full_name": "智慧园区综合管理平台"})
    assert form.is_valid()
    filing_save_step(filing=ready, by=verified_alice, step="software", cleaned_data=form.cleaned_data)
    program = ready.documents.get(kind="program_deposit")
    assert program.problems and "智慧园区综合管理平台" in " ".join(
        problem["message"] for problem in program.problems
    )
    with pytest.raises(FilingError, match="程序鉴别材料不符合要求"):
        form_request_codes(filing=ready, by=verified_alice)


def test_withdraw_after_submission_and_not_after_a_decision(
    ready, verified_alice, django_capture_on_commit_callbacks
):
    send_codes(ready, verified_alice, django_capture_on_commit_callbacks)
    ready.refresh_from_db()
    withdrawn = filing_withdraw(filing=ready, by=verified_alice, reason="不再申请")
    assert withdrawn.status == Status.WITHDRAWN
    with pytest.raises(FilingError):
        filing_withdraw(filing=ready, by=verified_alice)
