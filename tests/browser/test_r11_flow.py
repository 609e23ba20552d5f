"""R11 in the browser: alice files with bob as co-owner (he accepts her invitation), from 立即登记 to 确认填报;
bob reads it."""

import pytest
from playwright.sync_api import expect

from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.browser.pages import (
    accept_invitation,
    enter_codes,
    fill_features,
    invite,
    log_in,
    pdf_file,
    read_form,
    signed_page,
    upload_deposit,
)
from tests.factories import NAME, VERSION

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_alice_files_r11_with_bob_and_bob_reads_it(
    page, browser, live_server, portal, verified_alice, verified_bob, password, deposits
):
    alice, bob = verified_alice, verified_bob
    log_in(page, "alice", password)

    # 立即登记 → 申请方式
    page.goto("/services/software/")
    page.get_by_test_id("start-R11").click()
    expect(page.get_by_test_id("wizard-step-role")).to_be_visible()
    page.locator("[name=owner_type][value=joint]").check()
    page.locator("[name=development_mode][value=independent]").check()
    page.get_by_test_id("next").click()

    # 软件申请信息: 修改 shows the original registration number, 原创 hides it again
    expect(page.get_by_test_id("wizard-step-software")).to_be_visible()
    original_number = page.locator("[data-field=original_registration_number]")
    expect(original_number).to_be_hidden()
    page.locator("[name=work_type][value=modified]").check()
    expect(original_number).to_be_visible()
    page.locator("[name=work_type][value=original]").check()
    expect(original_number).to_be_hidden()
    page.locator("[name=full_name]").fill(NAME)
    page.locator("[name=short_name]").fill("园区平台")
    page.locator("[name=version]").fill(VERSION)
    page.locator("[name=category]").select_option("应用软件")
    page.get_by_test_id("next").click()

    # 软件开发信息 with the 著作权人 panel
    # bob is invited by phone: alice sees only the number she typed, masked, until bob accepts in his account
    expect(page.get_by_test_id("wizard-step-development")).to_be_visible()
    invite(page, "13800000002", "138****0002")
    expect(page.get_by_test_id("owners-panel")).not_to_contain_text("鲍勃")
    accept_invitation(browser, live_server.url, "bob", password, NAME)
    page.reload()
    expect(page.get_by_test_id("owner-bob")).to_contain_text("鲍勃")
    page.locator("[name=completion_date]").fill("2026-06-30")
    page.locator("[name=publication][value=unpublished]").check()
    expect(page.locator("[data-field=publication_city]")).to_be_hidden()
    page.locator("[name=acquisition][value=original]").check()
    page.locator("[name=rights_scope][value=all]").check()
    page.get_by_test_id("next").click()

    # 软件功能与特点 with the two deposits; a page with too few lines is refused, then replaced
    expect(page.get_by_test_id("wizard-step-features")).to_be_visible()
    fill_features(page)
    upload_deposit(page, "program_deposit", pdf_file("short.pdf", deposits["short"]))
    expect(page.get_by_test_id("upload-error-program_deposit")).to_contain_text(
        "第3页只有43行，程序鉴别材料每页不少于50行"
    )
    upload_deposit(page, "program_deposit", pdf_file("program.pdf", deposits["program"]))
    expect(page.get_by_test_id("checks-program_deposit")).to_contain_text("检查通过")
    upload_deposit(page, "document_deposit", pdf_file("manual.pdf", deposits["document"]))
    expect(page.get_by_test_id("checks-document_deposit")).to_contain_text("检查通过")
    page.get_by_test_id("next").click()

    # 确认: codes to both phones, a wrong code refused, then the form is issued
    expect(page.get_by_test_id("wizard-step-confirm")).to_be_visible()
    expect(page.get_by_test_id("summary")).to_contain_text("鲍勃")
    page.get_by_test_id("send-codes").click()
    expect(page.locator(".messages")).to_contain_text("138****0001")
    expect(page.locator(".messages")).to_contain_text("138****0002")
    right = latest_code_in_outbox(alice.phone)
    page.get_by_test_id("code-alice").fill("000000" if right != "000000" else "111111")
    page.get_by_test_id("confirm-code-alice").click()
    expect(page.locator(".message-error")).to_contain_text("验证码")
    enter_codes(page, [alice, bob])
    flow_number = page.get_by_test_id("flow-number").inner_text()
    text = read_form(page)
    assert flow_number in text and NAME in text

    # An edit voids the confirmations; codes again, the form again
    page.get_by_role("link", name="软件功能与特点").click()
    page.locator("[name=purpose]").fill("园区精细化管理")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("confirmations-voided")).to_be_visible()
    expect(page.get_by_test_id("filing-status")).to_have_text("草稿")
    page.get_by_test_id("send-codes").click()
    enter_codes(page, [alice, bob])
    assert "园区精细化管理" in read_form(page)

    # Signature page, then 确认填报
    page.get_by_test_id("file-signature_page").set_input_files(pdf_file("signed.pdf", signed_page()))
    page.get_by_test_id("upload-signature_page").click()
    expect(page.get_by_test_id("signature-page")).to_contain_text("signed.pdf")
    page.get_by_test_id("submit-filing").click()
    expect(page.get_by_test_id("filing-status")).to_have_text("待受理")
    expect(page.get_by_test_id("continue-editing")).to_have_count(0)

    # bob sees the filing in 我的申请, read-only
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    bob_page = context.new_page()
    log_in(bob_page, "bob", password)
    bob_page.get_by_test_id("my-filings-link").click()
    expect(bob_page.get_by_test_id("my-filings")).to_contain_text(NAME)
    bob_page.get_by_role("link", name=NAME).click()
    expect(bob_page.get_by_test_id("filing-status")).to_have_text("待受理")
    expect(bob_page.get_by_test_id("flow-number")).to_have_text(flow_number)
    expect(bob_page.get_by_test_id("continue-editing")).to_have_count(0)
    expect(bob_page.get_by_test_id("withdraw-form")).to_have_count(0)
    context.close()
