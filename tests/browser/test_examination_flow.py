from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from ruanzhu.documents.certificate import verify_signature
from ruanzhu.examination.models import Certificate
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.states import Status
from tests.browser.pages import staff_log_in
from tests.factories import PASSWORD, FilingFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def submitted(portal, verified_alice, verified_bob, deposits):
    return FilingFactory(
        submitted=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )


@pytest.fixture
def staff_page(browser, live_server, request):
    from django.core.management.sql import emit_post_migrate_signal

    # Playwright's event loop gives this test another database connection object, which the serialized
    # rollback does not restore after an earlier transactional test: recreate the permissions if needed,
    # before the examiner is given its role.
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    examiner = request.getfixturevalue("examiner")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    staff_log_in(page, "examiner", TOTPDevice.objects.get(user=examiner))
    expect(page.get_by_test_id("examination-queue-summary")).to_be_visible()
    yield page
    context.close()


def test_examiner_accepts_requests_a_correction_and_registers_alices_filing(page, staff_page, submitted):
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
    page.get_by_test_id("submit-correction").click()
    expect(page.get_by_text("补正已提交，等待审查员审查。")).to_be_visible()

    # The examiner sees the diff and registers the filing.
    staff_page.reload()
    expect(staff_page.get_by_test_id("diff-1")).to_contain_text("园区访客、车辆与能耗的统一管理")
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
