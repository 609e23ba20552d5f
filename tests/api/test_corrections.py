"""补正 and the certificate over the API: the 补正 page's services, access purposes and steps."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import TestCase

from ruanzhu.core.review import item_claim
from ruanzhu.examination import services as examination
from ruanzhu.examination.models import CorrectionRound
from ruanzhu.examination.services.corrections import CorrectionItem
from ruanzhu.filings.models import FormVersion
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import Purpose, SmsMessage
from tests.api.conftest import ApiClient, multipart, problem, signed_page
from tests.factories import FilingFactory


def codes_since(moment):
    """The codes sent after ``moment`` (the parties' notices of the 补正 itself aside)."""
    return SmsMessage.objects.filter(created_at__gt=moment).exclude(purpose=Purpose.NOTICE)


def codes_sent_long_ago():
    """The codes sent before count no more against the owners' per-minute limits."""
    SmsMessage.objects.update(created_at=F("created_at") - datetime.timedelta(days=2))


@pytest.fixture
def in_correction(verified_alice, verified_bob, deposits, private_storage, examiner):
    """alice's filing in examination, a 补正 of its software name requested."""
    filing = FilingFactory(
        submitted=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )
    codes_sent_long_ago()
    with TestCase.captureOnCommitCallbacks(execute=True):
        filing = item_claim(item=filing, by=examiner)
        filing = examination.filing_accept(filing=filing, by=examiner)
        filing = examination.examination_start(filing=filing, by=examiner)
        examination.correction_request(
            filing=filing, by=examiner, items=[CorrectionItem("field:full_name", "软件名称与文档不一致")]
        )
    filing.refresh_from_db()
    return filing


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice, scopes=["read", "file", "submit"])


@pytest.fixture
def bob_api(api, verified_bob):
    return api(verified_bob, scopes=["read", "file", "submit"])


def path(filing, rest: str = "") -> str:
    return f"/filings/{filing.pk}/correction{rest}"


def unchanged(filing) -> tuple:
    filing.refresh_from_db()
    return (filing.status, filing.details["full_name"], filing.form_version, FormVersion.objects.count())


def test_the_open_correction_is_shown_to_those_who_may_see_the_filing(
    alice_api, bob_api, api, in_correction, verified_carol
):
    body = alice_api.get(path(in_correction)).json()
    assert body["fields"] == ["full_name"] and body["documents"] == []
    assert body["items"][0]["message"] == "软件名称与文档不一致" and body["may_submit"] is True
    assert body["new_version"] is None and body["missing"] == []
    # The co-owner reads it but does not answer it.
    assert bob_api.get(path(in_correction)).json()["may_submit"] is False
    problem(api(verified_carol).get(path(in_correction)), 404, "not_found")
    problem(ApiClient(None).get(path(in_correction)), 401, "unauthenticated")


def test_no_open_correction_is_not_found(alice_api, verified_alice, verified_bob, deposits, private_storage):
    draft = FilingFactory(applicant=verified_alice, co_owners=[verified_bob], deposits=deposits)
    problem(alice_api.get(path(draft)), 404, "not_found")
    problem(multipart(alice_api, path(draft), {"full_name": "新名称"}), 404, "not_found")


def test_a_correction_is_answered_as_on_its_page(
    alice_api, bob_api, in_correction, verified_alice, verified_bob
):
    response = multipart(alice_api, path(in_correction), {"full_name": "智慧园区综合管理平台"})
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    # The content changed: a new version, each owner sent a code to its own phone, the 补正 not yet answered.
    assert body["answered"] is False and body["status"] == Status.CORRECTION
    assert body["correction"]["new_version"]["number"] == 2
    assert len(body["missing"]) == 3  # two confirmations and the signature page
    assert codes_since(in_correction.updated_at).count() == 2

    # The codes sent again (the page's 重新发送) once a minute has passed.
    codes_sent_long_ago()
    sent = alice_api.post(path(in_correction, "/codes"))
    assert sent.status_code == 200, sent.content.decode()
    assert len(sent.json()["sent_to"]) == 2

    # Each owner confirms in its own account; then the signed page of version 2 answers the 补正.
    for client in (alice_api, bob_api):
        assert client.post(f"/filings/{in_correction.pk}/confirmations/mine").status_code == 200
    problem(alice_api.post(path(in_correction, "/codes")), 409, "action_refused")
    page = {
        "file": SimpleUploadedFile("signed-v2.pdf", signed_page("version 2"), content_type="application/pdf")
    }
    answered = multipart(alice_api, path(in_correction, "/signature-page"), page)
    assert answered.status_code == 200, answered.content.decode()
    assert answered.json() == {
        "status": Status.EXAMINING,
        "answered": True,
        "missing": [],
        "correction": None,
    }
    in_correction.refresh_from_db()
    assert in_correction.details["full_name"] == "智慧园区综合管理平台"
    assert CorrectionRound.objects.get(filing=in_correction).answered_at is not None


@pytest.mark.parametrize(
    "data, status, field",
    [
        ({"colour": "blue"}, 422, "colour"),
        ({"full_name": ""}, 422, "full_name"),
        ({}, 422, None),
        ({"document_nothing": SimpleUploadedFile("x.pdf", b"%PDF")}, 422, "document_nothing"),
        # Listed by the form but not by the examiner: the service refuses it.
        ({"short_name": "园区"}, 409, None),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(alice_api, in_correction, data, status, field):
    before = unchanged(in_correction)
    response = multipart(alice_api, path(in_correction), data)
    body = problem(response, status, "validation_failed" if status == 422 else "action_refused")
    if status == 422:
        assert field in [error["field"] for error in body["errors"]]
        assert all(error["message"] for error in body["errors"])
    else:
        assert body["detail"] == "只能修改审查员要求补正的事项。"
    assert unchanged(in_correction) == before
    assert not codes_since(in_correction.updated_at).exists()


def test_answering_needs_a_token_the_scope_and_the_filer(
    api, in_correction, verified_alice, verified_bob, verified_carol
):
    before = unchanged(in_correction)
    data = {"full_name": "智慧园区综合管理平台"}
    problem(multipart(ApiClient(None), path(in_correction), data), 401, "unauthenticated")
    problem(
        multipart(api(verified_alice, scopes=["read", "file"]), path(in_correction), data),
        403,
        "insufficient_scope",
    )
    problem(multipart(api(verified_carol, scopes=["submit"]), path(in_correction), data), 404, "not_found")
    problem(multipart(api(verified_bob, scopes=["submit"]), path(in_correction), data), 404, "not_found")
    problem(api(verified_bob).post(path(in_correction, "/codes")), 404, "not_found")
    problem(
        multipart(api(verified_bob, scopes=["submit"]), path(in_correction, "/signature-page"), {}),
        404,
        "not_found",
    )
    assert unchanged(in_correction) == before


# --- GET /filings/{pk}/certificate.pdf --------------------------------------------------------------------------
@pytest.fixture
def registered(verified_alice, verified_bob, deposits, private_storage):
    return FilingFactory(
        registered=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )


def test_certificate_is_streamed_to_its_owners_applicant_and_filer(
    api, registered, verified_alice, verified_bob, verified_carol, in_correction
):
    response = api(verified_alice, scopes=["read"]).get(f"/filings/{registered.pk}/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content == examination.certificate_content(registered.certificate)
    number = registered.certificate.registration.registration_number
    assert f"{number}.pdf" in response["Content-Disposition"]
    assert api(verified_bob).get(f"/filings/{registered.pk}/certificate.pdf").status_code == 200
    problem(api(verified_carol).get(f"/filings/{registered.pk}/certificate.pdf"), 404, "not_found")
    problem(ApiClient(None).get(f"/filings/{registered.pk}/certificate.pdf"), 401, "unauthenticated")
    problem(api(verified_alice).get(f"/filings/{in_correction.pk}/certificate.pdf"), 404, "not_found")
