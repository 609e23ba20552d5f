"""Every page that takes a PDF refuses a broken, encrypted or active one, says why, and stores nothing.

Each upload kind is driven through its own view: the identity authorization letter, a filing document and a
deposit, the signature page, a correction's document and signature page, and the agent's mandate letter. The
same page then accepts a good file, so that a refusal is known to come from the file and not the page's state.
"""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse

from ruanzhu.agents.models import Mandate
from ruanzhu.core.review import item_claim
from ruanzhu.examination import services as examination
from ruanzhu.filings.models import FilingDocument
from ruanzhu.filings.states import Status
from ruanzhu.identity.models import VerificationDocument
from ruanzhu.otp.models import SmsMessage
from tests.agents.conftest import mandate_for
from tests.factories import FilingFactory
from tests.filings.flow import post_step, signed_page, start
from tests.security.pdf_samples import active_samples, encrypted, malformed_samples, with_javascript

ACTIVE = "PDF文件不能包含脚本、动作或附件，请重新导出后上传。"
CORRUPT = "PDF文件已损坏或无法读取，请重新上传。"
ENCRYPTED = "PDF文件已加密，请上传未加密的文件。"


def hostile_pdfs(genuine: bytes) -> list[tuple[str, bytes, str]]:
    """Return (name, file, the message it must get): every malformed and active kind, and `genuine` (a file
    the page accepts) encrypted, or made to run JavaScript."""
    return [
        *((name, data, CORRUPT) for name, data in malformed_samples()),
        *((name, data, ACTIVE) for name, data in active_samples()),
        ("genuine_encrypted", encrypted(genuine), ENCRYPTED),
        ("genuine_with_javascript", with_javascript(genuine), ACTIVE),
    ]


def stored_files(location) -> list:
    return [path for path in location.rglob("*") if path.is_file()] if location.exists() else []


def messages_of(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


@pytest.fixture
def storage(private_storage):
    return private_storage


# --- Identity: the institution's authorization letter ----------------------------------------------------------


def test_identity_letter_upload_refuses_every_hostile_pdf(client, institution, storage):
    client.force_login(institution)
    client.post(
        reverse("identity:step1"), {"category": "enterprise", "nationality": "中国", "id_type": "resident_id"}
    )
    url = reverse("identity:upload", args=["authorization_letter"])
    for name, data, message in hostile_pdfs(signed_page()):
        response = client.post(url, {"file": SimpleUploadedFile("letter.pdf", data)}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
        assert not VerificationDocument.objects.exists(), name
        assert stored_files(storage) == [], name
    response = client.post(
        url, {"file": SimpleUploadedFile("letter.pdf", signed_page())}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert VerificationDocument.objects.get(slot="authorization_letter").content_type == "application/pdf"


# --- Filings: a document of a step, a deposit, the signature page ------------------------------------------------


@pytest.fixture
def alice_client(client, verified_alice):
    client.force_login(verified_alice)
    return client


@pytest.fixture
def commissioned_draft(alice_client, storage):
    """A draft whose development mode asks for the commission contract (委托开发合同)."""
    filing = start(alice_client, development_mode="commissioned")
    post_step(alice_client, filing, "software")
    post_step(alice_client, filing, "development", development_mode="commissioned")
    filing.refresh_from_db()
    return filing


def upload_document(client, filing, kind: str, data: bytes):
    return client.post(
        reverse("filings:upload", args=[filing.pk, kind]),
        {"file": SimpleUploadedFile(f"{kind}.pdf", data)},
        HTTP_HX_REQUEST="true",
    )


@pytest.mark.parametrize("kind", ["commission_contract", "program_deposit"])
def test_filing_document_upload_refuses_every_hostile_pdf(
    alice_client, commissioned_draft, deposits, storage, kind
):
    genuine = deposits["program"] if kind == "program_deposit" else signed_page()
    for name, data, message in hostile_pdfs(genuine):
        response = upload_document(alice_client, commissioned_draft, kind, data)
        page = response.content.decode()
        assert response.status_code == 200 and f'data-testid="upload-error-{kind}"' in page, name
        assert message in page, name
        assert not commissioned_draft.documents.exists(), name
        assert stored_files(storage) == [], name
    upload_document(alice_client, commissioned_draft, kind, genuine)
    assert commissioned_draft.documents.get(kind=kind).content_type == "application/pdf"


def test_signature_page_upload_refuses_every_hostile_pdf(
    alice_client, verified_alice, verified_bob, deposits, storage
):
    filing = FilingFactory(
        confirmed=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )
    assert filing.status == Status.FORM_ISSUED
    before = stored_files(storage)
    url = reverse("filings:signature_page", args=[filing.pk])
    for name, data, message in hostile_pdfs(signed_page()):
        response = alice_client.post(url, {"file": SimpleUploadedFile("signed.pdf", data)})
        assert response.status_code == 302, name
        assert message in messages_of(response), name
        assert not filing.documents.filter(kind="signature_page").exists(), name
        assert stored_files(storage) == before, name
    response = alice_client.post(url, {"file": SimpleUploadedFile("signed.pdf", signed_page())})
    assert "签章页已上传。" in messages_of(response)


# --- Examination: a correction's document and its signature page ------------------------------------------------


@pytest.fixture
def in_correction(verified_alice, verified_bob, deposits, examiner, storage):
    """alice's submitted filing, asked by the examiner to correct its documentation deposit."""
    filing = FilingFactory(
        submitted=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )
    SmsMessage.objects.update(created_at=F("created_at") - datetime.timedelta(days=2))
    filing = item_claim(item=filing, by=examiner)
    filing = examination.filing_accept(filing=filing, by=examiner)
    filing = examination.examination_start(filing=filing, by=examiner)
    examination.correction_request(
        filing=filing,
        by=examiner,
        items=[examination.CorrectionItem("document:document_deposit", "文档页眉与软件名称不一致")],
    )
    filing.refresh_from_db()
    return filing


def test_correction_document_upload_refuses_every_hostile_pdf(alice_client, in_correction, deposits, storage):
    url = reverse("examination_applicant:correction", args=[in_correction.pk])
    deposit = in_correction.documents.get(kind="document_deposit")
    before = stored_files(storage)
    for name, data, message in hostile_pdfs(deposits["document"]):
        response = alice_client.post(
            url, {"document_document_deposit": SimpleUploadedFile("manual.pdf", data)}
        )
        assert response.status_code in (200, 302, 400), name
        assert message in messages_of(response) + response.content.decode(), name
        in_correction.refresh_from_db()
        assert in_correction.status == Status.CORRECTION, name
        assert FilingDocument.objects.get(pk=deposit.pk).storage_name == deposit.storage_name, name
        assert stored_files(storage) == before, name


def test_correction_signature_page_upload_refuses_every_hostile_pdf(alice_client, in_correction, storage):
    url = reverse("examination_applicant:correction_signature_page", args=[in_correction.pk])
    page = in_correction.documents.get(kind="signature_page")
    before = stored_files(storage)
    for name, data, message in hostile_pdfs(signed_page()):
        response = alice_client.post(url, {"file": SimpleUploadedFile("signed-v2.pdf", data)})
        assert response.status_code == 302, name
        assert message in messages_of(response), name
        assert FilingDocument.objects.get(pk=page.pk).storage_name == page.storage_name, name
        assert stored_files(storage) == before, name


# --- Agents: the signed mandate letter --------------------------------------------------------------------------------


def test_mandate_letter_upload_refuses_every_hostile_pdf(client, agent, alice, storage):
    mandate = mandate_for(agent, alice)
    client.force_login(agent)
    url = reverse("agents:upload_letter", args=[mandate.pk])
    for name, data, message in hostile_pdfs(signed_page()):
        response = client.post(url, {"file": SimpleUploadedFile("委托书.pdf", data)})
        assert response.status_code == 302, name
        assert message in messages_of(response), name
        assert Mandate.objects.get(pk=mandate.pk).letter_storage_name == "", name
        assert stored_files(storage) == [], name
    response = client.post(url, {"file": SimpleUploadedFile("委托书.pdf", signed_page())})
    assert "委托书已上传。" in messages_of(response)
