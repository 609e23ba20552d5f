"""A 补正 that changes content is a new form version: every owner confirms it and signs it before it counts."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client
from django.urls import reverse
from reportlab.pdfgen import canvas

from ruanzhu.core.files import read_private_file
from ruanzhu.core.review import ReviewError, item_claim
from ruanzhu.examination import services
from ruanzhu.examination.models import Certificate, CorrectionRound
from ruanzhu.filings.models import Filing, FormVersion
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from tests.examination.checklist import every_point
from tests.factories import registration_of


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def applicant_url(name, filing):
    return reverse(f"examination_applicant:{name}", args=[filing.pk])


def filings_url(name, filing):
    return reverse(f"filings:{name}", args=[filing.pk])


def examiner_url(name, filing):
    return reverse(f"examination:{name}", args=[filing.pk])


def signed_page(text: str = "signed and sealed, version 2") -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, text)
    sheet.save()
    return buffer.getvalue()


@pytest.fixture
def examining(submitted_filing, examiner):
    # The form was issued a while ago: its codes do not count against the owners' send limits now.
    SmsMessage.objects.update(created_at=F("created_at") - datetime.timedelta(days=2))
    filing = item_claim(item=submitted_filing, by=examiner)
    filing = services.filing_accept(filing=filing, by=examiner)
    return services.examination_start(filing=filing, by=examiner)


@pytest.fixture
def in_correction(examining, examiner):
    services.correction_request(
        filing=examining,
        by=examiner,
        items=[services.CorrectionItem("field:short_name", "软件简称与说明书不一致")],
    )
    examining.refresh_from_db()
    return examining


@pytest.fixture
def alice_client(verified_alice):
    client = Client()
    client.force_login(verified_alice)
    return client


@pytest.fixture
def bob_client(verified_bob):
    client = Client()
    client.force_login(verified_bob)
    return client


@pytest.fixture
def corrected(in_correction, alice_client, django_capture_on_commit_callbacks):
    """alice answers the 补正 with a new 软件简称: version 2 of the form, put to alice and bob."""
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(applicant_url("correction", in_correction), {"short_name": "园区DA"})
    assert response.status_code == 302
    assert response["Location"] == applicant_url("correction", in_correction)
    # The filer is told the correction is not submitted yet, and what is missing.
    assert any("补正尚未提交" in text and "鲍勃" in text and "签章页" in text for text in texts(response))
    in_correction.refresh_from_db()
    return in_correction


def test_a_correction_that_changes_content_waits_for_every_owner_and_a_new_signature_page(
    corrected, alice_client, bob_client, verified_alice, verified_bob, examiner_client
):
    assert corrected.status == Status.CORRECTION and corrected.form_version == 2
    assert corrected.details["short_name"] == "园区DA"
    correction = CorrectionRound.objects.get(filing=corrected)
    assert correction.answered_at is None
    page = alice_client.get(applicant_url("correction", corrected)).content.decode()
    assert 'data-testid="correction-missing"' in page and "鲍勃" in page and "签章页" in page
    # Both owners got a code naming the correction.
    assert "补正（R11）" in outbox_messages(verified_bob.phone).first().body

    # alice relays her own code; bob confirms in his account.
    alice_party = corrected.parties.get(account=verified_alice)
    response = alice_client.post(
        filings_url("code_confirm", corrected),
        {"party_id": alice_party.pk, "code": latest_code_in_outbox(verified_alice.phone)},
    )
    assert response["Location"] == applicant_url("correction", corrected)
    corrected.refresh_from_db()
    assert corrected.status == Status.CORRECTION
    detail = bob_client.get(filings_url("detail", corrected)).content.decode()
    assert 'data-testid="awaiting-me"' in detail
    bob_client.post(filings_url("confirm_mine", corrected))
    corrected.refresh_from_db()
    assert corrected.status == Status.CORRECTION  # confirmed, but the new signature page is missing
    version = FormVersion.objects.get(filing=corrected, number=2)
    assert version.confirmed_at is not None and version.signed_at is None
    page = alice_client.get(applicant_url("correction", corrected)).content.decode()
    assert 'data-testid="correction-download-form"' in page and "签章页" in page

    # The signature page of version 1 is refused; a newly signed one answers the correction.
    old_page = read_private_file(corrected.documents.get(kind="signature_page").storage_name)
    response = alice_client.post(
        applicant_url("correction_signature_page", corrected),
        {"file": SimpleUploadedFile("old.pdf", old_page)},
    )
    assert any("此前版本的签章页" in text for text in texts(response))
    corrected.refresh_from_db()
    assert corrected.status == Status.CORRECTION
    response = alice_client.post(
        applicant_url("correction_signature_page", corrected),
        {"file": SimpleUploadedFile("signed-v2.pdf", signed_page())},
    )
    assert "签章页已上传，补正已提交，等待审查员审查。" in texts(response)
    corrected.refresh_from_db()
    assert corrected.status == Status.EXAMINING
    assert CorrectionRound.objects.get(filing=corrected).answered_at is not None

    # The examiner sees both versions and what changed.
    page = examiner_client.get(examiner_url("detail", corrected)).content.decode()
    assert 'data-testid="form-versions"' in page
    assert 'data-testid="form-version-1"' in page and 'data-testid="form-version-2"' in page
    assert 'data-testid="version-diff-2"' in page and "园区平台" in page and "园区DA" in page

    # The certificate and the record carry the confirmed version's content.
    response = examiner_client.post(
        examiner_url("register", corrected), {"checklist": every_point(corrected)}, follow=True
    )
    corrected.refresh_from_db()
    assert corrected.status == Status.REGISTERED, texts(response)
    assert registration_of(corrected).short_name == "园区DA"


def test_the_correction_is_not_answered_by_one_owner_alone(corrected, alice_client, verified_alice):
    alice_party = corrected.parties.get(account=verified_alice)
    alice_client.post(
        filings_url("code_confirm", corrected),
        {"party_id": alice_party.pk, "code": latest_code_in_outbox(verified_alice.phone)},
    )
    response = alice_client.post(
        applicant_url("correction_signature_page", corrected),
        {"file": SimpleUploadedFile("signed-v2.pdf", signed_page())},
    )
    assert any("请先由全部著作权人确认第2版申请表" in text for text in texts(response))
    corrected.refresh_from_db()
    assert corrected.status == Status.CORRECTION
    assert CorrectionRound.objects.get(filing=corrected).answered_at is None


def test_a_refused_code_send_leaves_the_correction_unsubmitted(
    in_correction, alice_client, verified_bob, settings
):
    settings.OTP_SEND_LIMITS_PER_PHONE = "1/86400"
    SmsMessage.objects.update(created_at=F("created_at") + datetime.timedelta(days=2))  # sent just now
    response = alice_client.post(applicant_url("correction", in_correction), {"short_name": "园区DA"})
    assert response.status_code == 200 and "发送过于频繁" in response.content.decode()
    in_correction.refresh_from_db()
    assert in_correction.details["short_name"] == "园区平台" and in_correction.form_version == 1
    assert in_correction.status == Status.CORRECTION


def test_approval_is_refused_for_content_no_version_confirmed(examining, examiner_client):
    details = {**examining.details, "short_name": "未经确认的简称"}
    Filing.objects.filter(pk=examining.pk).update(details=details)
    response = examiner_client.post(
        examiner_url("register", examining), {"checklist": every_point(examining)}, follow=True
    )
    assert any("不能准予登记" in text for text in texts(response))
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING
    assert not Certificate.objects.filter(filing=examining).exists()


def test_approval_is_refused_while_an_owner_has_not_confirmed_the_current_version(examining, examiner):
    version = FormVersion.objects.get(filing=examining, number=examining.form_version)
    version.confirmations.filter(party__account__username="bob").delete()
    with pytest.raises(ReviewError, match="鲍勃"):
        services.filing_register(filing=examining, by=examiner, checked=every_point(examining))
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING
