"""A fourth service added inside the test suite runs through the whole engine without touching it.

R42 (tests/filings/r42/) is a package of its own: two fields, one document, a checklist item and an approval.
Registered with the registry of definitions, it is offered in the catalogue, filled in the wizard, printed on
a form that every owner confirms with a code to their own phone, submitted, examined and approved; approval does
what R42 says and issues the certificate R42 describes.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ruanzhu.core.files import read_private_file
from ruanzhu.examination.models import Certificate
from ruanzhu.filings.definitions import definition_for, register, unregister
from ruanzhu.filings.models import Filing
from ruanzhu.filings.states import Status
from ruanzhu.otp.selectors import latest_code_in_outbox
from ruanzhu.registry.models import RegistrationChange
from ruanzhu.registry.services import registration_create
from tests.documents.pdfread import flat_text
from tests.factories import invitation_accept_as, staff_session
from tests.filings.r42 import DEFINITION as R42
from tests.filings.registered import one_page_pdf


@pytest.fixture
def r42():
    register(R42)
    yield R42
    unregister(R42.code)


@pytest.fixture
def record(db, verified_alice):
    return registration_create(
        service="R11",
        software_name="星河分析软件",
        version="V1.0",
        owners=["李爱丽", "鲍勃"],
        completion_date=datetime.date(2026, 1, 10),
        registered_on=datetime.date(2026, 2, 1),
    )


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_r42_is_offered_and_then_withdrawn(client, r42):
    assert 'data-testid="service-R42"' in client.get(reverse("filings:catalog")).content.decode()
    unregister("R42")
    assert 'data-testid="service-R42"' not in client.get(reverse("filings:catalog")).content.decode()
    with pytest.raises(KeyError):
        definition_for("R42")
    register(R42)


def test_r42_runs_from_the_wizard_to_its_certificate(
    r42, record, verified_alice, verified_bob, examiner, private_storage, django_capture_on_commit_callbacks
):
    applicant = Client()
    applicant.force_login(verified_alice)

    # The wizard: the service's own step and its one document, with its bad input refused.
    start = reverse("filings:start", args=["R42"])
    page = applicant.get(start).content.decode()
    assert "软件著作权登记证书补发申请" in page and 'name="registration_number"' in page
    refused = applicant.post(
        start, {"registration_number": "2026SR9999999", "reason": "lost", "action": "next"}
    )
    assert refused.status_code == 400 and "登记号不在登记簿中。" in refused.content.decode()
    assert not Filing.objects.exists()
    response = applicant.post(
        start, {"registration_number": record.registration_number, "reason": "lost", "action": "next"}
    )
    assert response.status_code == 302
    filing = Filing.objects.get(service="R42")
    step = reverse("filings:step", args=[filing.pk, "reissue"])
    assert "遗失声明" in applicant.get(step).content.decode()
    applicant.post(reverse("filings:owner_add", args=[filing.pk]), {"identifier": "bob"})
    invitation_accept_as(filing, verified_bob)
    applicant.post(
        reverse("filings:upload", args=[filing.pk, "loss_statement"]),
        {"file": _pdf("loss.pdf", one_page_pdf("遗失声明"))},
    )
    response = applicant.post(
        step, {"registration_number": record.registration_number, "reason": "lost", "action": "next"}
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.title == f"证书补发 {record.registration_number}"

    # The form: one code to each owner's own phone, each confirmed.
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant.post(reverse("filings:codes_send", args=[filing.pk]), follow=True)
    assert "验证码已发送" in messages_of(response)
    for party in filing.parties.select_related("account"):
        applicant.post(
            reverse("filings:code_confirm", args=[filing.pk]),
            {"party_id": party.pk, "code": latest_code_in_outbox(party.account.phone)},
        )
    filing.refresh_from_db()
    assert filing.status == Status.FORM_ISSUED and filing.flow_number.startswith("R42")
    form = flat_text(read_private_file(filing.form_storage_name))
    assert "软件著作权登记证书补发申请表" in form and record.registration_number in form

    # Submission with the signed signature page.
    applicant.post(
        reverse("filings:signature_page", args=[filing.pk]),
        {"file": _pdf("signed.pdf", read_private_file(filing.form_storage_name))},
    )
    applicant.post(reverse("filings:submit", args=[filing.pk]))
    filing.refresh_from_db()
    assert filing.status == Status.SUBMITTED

    # Examination: R42's checklist on the page, and 准予登记 refused until it is ticked.
    staff = staff_session(Client(), examiner)
    for action in ("claim", "accept", "start"):
        staff.post(reverse(f"examination:{action}", args=[filing.pk]))
    page = staff.get(reverse("examination:detail", args=[filing.pk])).content.decode()
    assert 'data-testid="checklist-statement"' in page and "遗失声明已签章" in page
    response = staff.post(reverse("examination:register", args=[filing.pk]), follow=True)
    assert "请逐项核对审查要点后再准予登记：遗失声明已签章。" in messages_of(response)
    filing.refresh_from_db()
    assert filing.status == Status.EXAMINING and not Certificate.objects.exists()
    staff.post(reverse("examination:register", args=[filing.pk]), {"checklist": ["statement"]})
    filing.refresh_from_db()
    assert filing.status == Status.REGISTERED

    # Approval did what R42 says, and issued the certificate R42 describes.
    change = RegistrationChange.objects.get(registration=record)
    assert change.description == "证书补发：lost"
    certificate = Certificate.objects.get(filing=filing)
    assert certificate.kind == "reissue" and certificate.certificate_number == change.certificate_number
    text = flat_text(read_private_file(certificate.storage_name))
    assert "计算机软件著作权登记证书（补发）" in text and "补发登记证书" in text
    assert "遗失声明已签章" in filing.events.get(to_status=Status.REGISTERED).note


def _pdf(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
