import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db.models import F
from django.urls import reverse
from playwright.sync_api import expect

from ruanzhu.documents.certificate import verify_signature
from ruanzhu.examination.models import Certificate
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.browser.pages import pdf_file, signed_page
from tests.factories import PASSWORD, FilingFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def submitted(portal, verified_alice, verified_bob, deposits):
    return FilingFactory(
        submitted=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )


def test_examiner_accepts_requests_a_correction_and_registers_alices_filing(
    page, staff_page, submitted, verified_alice, verified_bob
):
    filing = submitted
    # The examiner finds the filing in 待受理, claims it, accepts it and opens the examination.
    staff_page.get_by_test_id("examination-queue-summary").get_by_role("link", name="登记审查").click()
    staff_page.get_by_test_id(f"queue-row-{filing.pk}").get_by_role("link").click()
    expect(staff_page.get_by_test_id("filing-details")).to_contain_text("智慧园区管理平台")
    staff_page.get_by_test_id("claim").click()
    staff_page.get_by_test_id("accept").click()
    expect(staff_page.get_by_test_id("filing-status")).to_have_text("已受理")
    staff_page.get_by_test_id("start").click()
    expect(staff_page.get_by_test_id("filing-status")).to_have_text("审查中")
    # 要求补正: one field, with what is wrong, and a note.
    staff_page.get_by_test_id("target-field:purpose").check()
    staff_page.get_by_test_id("message-field:purpose").fill("开发目的过于笼统，请具体说明")
    staff_page.get_by_test_id("correction-form").locator("[name=note]").fill("请在期限内补正")
    staff_page.get_by_test_id("request-correction").click()
    expect(staff_page.get_by_test_id("filing-status")).to_have_text("待补正")

    # alice reads the items and corrects only that field.
    page.goto("/accounts/login/?tab=individual")
    page.locator("[name=identifier]").fill("alice")
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_test_id("login").click()
    page.goto(reverse("examination_applicant:correction", args=[filing.pk]))
    expect(page.get_by_test_id("correction-items")).to_contain_text("开发目的过于笼统，请具体说明")
    expect(page.locator("[name=full_name]")).to_have_count(0)
    page.locator("[name=purpose]").fill("园区访客、车辆与能耗的统一管理")
    # The form was issued a while ago: its codes do not count against the owners' send limits now.
    SmsMessage.objects.update(created_at=F("created_at") - datetime.timedelta(days=2))
    page.get_by_test_id("submit-correction").click()
    # The corrected content is a new form version: both owners confirm it with their codes and the
    # newly signed signature page is uploaded before the correction counts as submitted.
    expect(page.get_by_test_id("correction-missing")).to_contain_text("鲍勃")
    for user in (verified_alice, verified_bob):
        page.get_by_test_id(f"version-code-{user.username}").fill(latest_code_in_outbox(user.phone))
        page.get_by_test_id(f"version-confirm-code-{user.username}").click()
        expect(page.get_by_test_id(f"version-confirmed-{user.username}")).to_be_visible()
    page.get_by_test_id("correction-file-signature_page").set_input_files(
        pdf_file("signed-v2.pdf", signed_page())
    )
    page.get_by_test_id("correction-upload-signature_page").click()
    expect(page.get_by_text("签章页已上传，补正已提交，等待审查员审查。")).to_be_visible()

    # The examiner sees the diff and registers the filing.
    staff_page.reload()
    expect(staff_page.get_by_test_id("diff-1")).to_contain_text("园区访客、车辆与能耗的统一管理")
    expect(staff_page.get_by_test_id("version-diff-2")).to_contain_text("园区访客、车辆与能耗的统一管理")
    # 准予登记 waits for every point of the service's checklist to be ticked.
    checklist = staff_page.locator("[name=checklist]")
    expect(checklist).to_have_count(3)
    staff_page.get_by_test_id("register").click()  # the browser refuses the form: no question, no request
    expect(staff_page.get_by_test_id("filing-status")).to_have_text("审查中")
    assert not checklist.first.evaluate("box => box.validity.valid")
    for index in range(checklist.count()):
        checklist.nth(index).check()
    staff_page.once("dialog", lambda dialog: dialog.accept())
    staff_page.get_by_test_id("register").click()
    expect(staff_page.get_by_test_id("filing-status")).to_have_text("已登记")
    filing.refresh_from_db()
    assert filing.status == Status.REGISTERED
    certificate = Certificate.objects.select_related("registration").get(filing=filing)
    registration = certificate.registration
    expect(staff_page.get_by_test_id("registered")).to_contain_text(registration.registration_number)

    # alice downloads the certificate; its signature is valid and trusted.
    response = page.request.get(reverse("examination_applicant:certificate", args=[filing.pk]))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    _key_pem, cert_pem = signing_identity()
    # pyHanko runs its own event loop: check the signature off Playwright's.
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(verify_signature, response.body(), trust_roots_pem=(cert_pem,)).result()
    assert report.valid and report.intact and report.trusted

    # The public registry finds it with two characters, and the QR code's page confirms the certificate.
    page.goto("/registry/?q=园区")
    expect(page.get_by_test_id("search-results")).to_contain_text(registration.registration_number)
    page.goto(reverse("registry:verify", args=[registration.certificate_token]))
    expect(page.get_by_test_id("verify-result")).to_contain_text(
        f"{registration.certificate_number}为真实有效的登记证书。"
    )
