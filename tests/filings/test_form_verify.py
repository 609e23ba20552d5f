"""The public page behind a form's QR code: reached with the token printed in it, never by counting flow numbers."""

import re
from urllib.parse import urlsplit

import cv2
import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ruanzhu.core.files import read_private_file
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import FormVersion
from ruanzhu.filings.services.drafts import filing_save_step
from ruanzhu.filings.services.issue import form_confirm_in_account, form_request_codes
from ruanzhu.filings.services.versions import version_current
from ruanzhu.filings.states import Status
from tests.documents.pdfread import rasterise
from tests.factories import NAME, STEP_DATA, VERSION, FilingFactory, VerificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_send_limits(settings):
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"


@pytest.fixture
def issued(verified_alice, verified_bob, deposits, private_storage):
    """alice's form, with bob as co-owner, confirmed by both and issued (待提交)."""
    return FilingFactory(
        confirmed=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )


def verify_url(flow_number: str, token: str) -> str:
    return reverse("filings:form_verify", args=[flow_number, token])


def current_url(filing) -> str:
    return verify_url(filing.flow_number, version_current(filing).token)


def page_without(response, flow_number: str) -> bytes:
    """Return the page without what differs by design: the flow number asked for and the masked CSRF tokens."""
    content = response.content.replace(flow_number.encode(), b"")
    content = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def qr_code_of(pdf: bytes, tmp_path) -> str:
    """Return what the form's QR code says, as a phone would read it.

    OpenCV's classic detector finds the code on every form but, for some of the random tokens, fails to decode
    it at one resolution; the ArUco-based detector and a second resolution read those.
    """
    for dpi in (150, 300):
        image = rasterise(pdf, tmp_path, dpi=dpi)
        for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
            decoded, points, _ = detector.detectAndDecode(image)
            if decoded:
                return decoded
    assert points is not None, "no QR code on the form"
    return ""


def reissue_with_purpose(filing, purpose: str):
    """Edit the issued form (which voids it) and issue it again, confirmed by every owner."""
    features = {**STEP_DATA["features"], "purpose": purpose}
    form = definition_for("R11").step("features").form_class(data=features)
    assert form.is_valid(), form.errors
    filing_save_step(filing=filing, by=filing.applicant, step="features", cleaned_data=form.cleaned_data)
    filing.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        form_request_codes(filing=filing, by=filing.applicant)
    filing.refresh_from_db()
    for party in filing.parties.select_related("account"):
        form_confirm_in_account(filing=filing, account=party.account)
    filing.refresh_from_db()
    assert filing.status == Status.FORM_ISSUED
    return filing


def test_qr_code_of_the_form_opens_the_page_of_what_it_printed(issued, client, tmp_path, settings):
    address = qr_code_of(read_private_file(issued.form_storage_name), tmp_path)
    version = version_current(issued)

    assert address == settings.SITE_URL + verify_url(issued.flow_number, version.token)
    response = client.get(urlsplit(address).path)

    assert response.status_code == 200
    page = response.content.decode()
    assert issued.flow_number in page
    assert issued.fingerprint[:16] in page and issued.fingerprint not in page  # as printed
    assert definition_for("R11").form_title in page
    assert NAME in page and VERSION in page
    assert version.rendered_at == issued.form_issued_at
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_page_shows_neither_the_owners_nor_the_state_of_the_filing(issued, client):
    page = client.get(current_url(issued)).content.decode()

    for party in issued.parties.all():
        assert party.name not in page
        assert party.masked_id_number not in page
    for status in Status:
        assert str(status.label) not in page
    assert "状态" not in page


def test_the_token_is_long_and_url_safe(issued):
    token = version_current(issued).token

    assert len(token) >= 22
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_wrong_token_and_unknown_flow_number_give_the_same_404(issued, client):
    token = version_current(issued).token
    wrong_token = "A" * len(token)
    unknown = issued.flow_number[:-6] + "999999"

    with CaptureQueriesContext(connection) as wrong_token_queries:
        wrong = client.get(verify_url(issued.flow_number, wrong_token))
    with CaptureQueriesContext(connection) as unknown_queries:
        missing = client.get(verify_url(unknown, wrong_token))

    assert wrong.status_code == missing.status_code == 404
    assert page_without(wrong, issued.flow_number) == page_without(missing, unknown)
    # The same work: one lookup by the token, whatever the flow number.
    assert [query["sql"] for query in wrong_token_queries] == [query["sql"] for query in unknown_queries]


def test_the_token_of_one_form_does_not_open_another_flow_number(issued, client, verified_carol, deposits):
    other = FilingFactory(
        confirmed=True, applicant=verified_carol, co_owners=[VerificationFactory().account], deposits=deposits
    )

    response = client.get(verify_url(issued.flow_number, version_current(other).token))

    assert response.status_code == 404
    assert client.get(current_url(other)).status_code == 200


def test_a_token_differing_only_in_case_is_refused(issued, client):
    token = version_current(issued).token
    swapped = token.swapcase()
    assert swapped != token

    assert client.get(verify_url(issued.flow_number, swapped)).status_code == 404


def test_a_version_whose_form_was_never_rendered_cannot_be_verified(
    verified_alice, verified_bob, deposits, private_storage, client
):
    awaiting = FilingFactory(
        issued=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )
    version = FormVersion.objects.get(filing=awaiting)
    assert version.rendered_at is None

    # Not even with a flow number: the version has none yet, and no form was printed.
    assert client.get(verify_url("R11", version.token)).status_code == 404


def test_an_earlier_version_still_shows_what_its_own_form_printed(issued, client):
    first = version_current(issued)
    reissue_with_purpose(issued, "园区精细化管理")
    second = version_current(issued)
    assert second.number == 2 and second.token != first.token

    old_page = client.get(verify_url(issued.flow_number, first.token)).content.decode()
    new_page = client.get(verify_url(issued.flow_number, second.token)).content.decode()

    assert first.fingerprint[:16] in old_page and second.fingerprint[:16] not in old_page
    assert second.fingerprint[:16] in new_page


def test_the_old_address_without_a_token_gives_the_same_404_for_every_flow_number(issued, client):
    known = client.get(reverse("filings:form_verify_without_token", args=[issued.flow_number]))
    unknown_number = issued.flow_number[:-6] + "999999"
    unknown = client.get(reverse("filings:form_verify_without_token", args=[unknown_number]))

    assert known.status_code == unknown.status_code == 404
    assert page_without(known, issued.flow_number) == page_without(unknown, unknown_number)
    page = known.content.decode()
    assert "不能在线查验" in page
    assert issued.fingerprint[:16] not in page and NAME not in page


@pytest.mark.parametrize(
    "path",
    [
        "/services/forms/R1120261128000001%00/AAAAAAAAAAAAAAAAAAAAAAAA/",
        "/services/forms/R1120261128000001/AAAAAAAAAAAA%00AAAAAAAAAAA/",
        "/services/forms/R1120261128000001/AAAAAAAAAAAAAAAAAAAAAAAA%0A/",
        "/services/forms/R1120261128000001%0A/",
        "/services/forms/R1120261128000001/AAAA.AAAA/",
        "/services/forms/R1120261128000001/" + "A" * 65 + "/",
        "/services/forms/" + "1" * 21 + "/",
        "/services/forms/R11%EF%BC%9120261128000001/",  # a full-width digit
    ],
)
def test_junk_in_the_address_gives_the_404_page(client, path):
    assert client.get(path).status_code == 404


def test_the_page_answers_only_get(issued, client):
    assert client.post(current_url(issued)).status_code == 405
