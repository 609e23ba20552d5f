"""R41 and R21 in the browser: alice changes the name of her registered work, then records its transfer."""

import re

import pytest
from playwright.sync_api import expect

from ruanzhu.filings.models import Filing
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.browser.test_r11_flow import log_in, pdf_file, signed_page
from tests.examination import conftest as examination_fixtures
from tests.factories import verify
from tests.filings import conftest as filing_fixtures
from tests.filings.registered import examine_and_register, one_page_pdf, registered_work

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

deposits = filing_fixtures.deposits
examiner_user = examination_fixtures.examiner_user
NAME = filing_fixtures.NAME
NEW_NAME = "智慧园区综合管理平台"


@pytest.fixture
def portal(settings, tmp_path):
    """Settings for the live server too: private files and the signing key in a temporary folder."""
    settings.OTP_SEND_LIMITS_PER_PHONE = "10/60"
    settings.DATA_DIR = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


@pytest.fixture
def registration(portal, alice, bob, deposits, examiner_user, django_capture_on_commit_callbacks):
    """alice's and bob's R11 work 智慧园区管理平台 V1.0, registered through the services."""
    verify(alice, "110105199003070017", "李爱丽")
    verify(bob, "110105198510120029", "鲍勃")
    return registered_work(alice, bob, deposits, django_capture_on_commit_callbacks, examiner_user)


def issue_and_submit(page, users, service: str):
    """On 确认: send the codes, enter each party's code, upload the signature page and submit."""
    expect(page.get_by_test_id("wizard-step-confirm")).to_be_visible()
    page.get_by_test_id("send-codes").click()
    expect(page.locator(".messages")).to_contain_text("验证码已发送")
    for user in users:
        page.get_by_test_id(f"code-{user.username}").fill(latest_code_in_outbox(user.phone))
        page.get_by_test_id(f"confirm-code-{user.username}").click()
    expect(page.get_by_test_id("flow-number")).to_have_text(re.compile(rf"^{service}\d{{14}}$"))
    page.get_by_test_id("file-signature_page").set_input_files(pdf_file("signed.pdf", signed_page()))
    page.get_by_test_id("upload-signature_page").click()
    expect(page.get_by_test_id("signature-page")).to_contain_text("signed.pdf")
    page.get_by_test_id("submit-filing").click()
    expect(page.get_by_test_id("filing-status")).to_have_text("待受理")
    return Filing.objects.get(flow_number=page.get_by_test_id("flow-number").inner_text())


def test_alice_changes_the_name_of_her_registered_work(page, registration, alice, password, examiner_user):
    log_in(page, "alice", password)
    page.goto("/services/software/")
    page.get_by_test_id("start-R41").click()

    # 变更事项: a change of function is refused at the form, then the name change goes through
    expect(page.get_by_test_id("wizard-step-change")).to_be_visible()
    page.locator("[name=registration_number]").fill(registration.registration_number)
    page.locator("[name=change_kind][value=change]").check()
    page.locator("[name=item_1]").select_option("function")
    page.locator("[name=before_1]").fill("访客登记")
    page.locator("[name=after_1]").fill("访客登记与人脸识别")
    page.locator("[name=reason]").fill("公司统一产品命名")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("error-item_1")).to_contain_text("软件功能的变更不能通过变更或补充登记办理")
    assert not Filing.objects.filter(service="R41").exists()
    page.locator("[name=item_1]").select_option("software_name")
    page.locator("[name=before_1]").fill(NAME)
    page.locator("[name=after_1]").fill(NEW_NAME)
    page.get_by_test_id("next").click()

    # 证明文件
    expect(page.get_by_test_id("wizard-step-evidence")).to_be_visible()
    page.get_by_test_id("file-evidence").set_input_files(pdf_file("决议.pdf", one_page_pdf("resolution")))
    page.get_by_test_id("upload-evidence").click()
    expect(page.get_by_test_id("checks-evidence")).to_contain_text("已上传")
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("summary")).to_contain_text(f"软件名称：{NAME} → {NEW_NAME}")
    filing = issue_and_submit(page, [alice], "R41")

    examine_and_register(filing, examiner_user)

    page.goto("/registry/")
    page.get_by_test_id("search-query").fill("综合")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("search-results")).to_contain_text(registration.registration_number)
    page.get_by_role("link", name=registration.registration_number).first.click()
    expect(page.locator("h1")).to_contain_text(NEW_NAME)
    expect(page.get_by_test_id("changes")).to_contain_text(f"软件名称：{NAME} → {NEW_NAME}")
    expect(page.get_by_test_id("changes")).to_contain_text("变更")


def test_alice_records_the_transfer_of_her_work_to_carol(
    page, registration, alice, carol, password, examiner_user
):
    verify(carol, "110105199201150046", "柯萝")
    log_in(page, "alice", password)
    page.goto("/services/software/")
    page.get_by_test_id("start-R21").click()

    # 合同信息: the version must be the registered one
    expect(page.get_by_test_id("wizard-step-contract")).to_be_visible()
    page.locator("[name=registration_number]").fill(registration.registration_number)
    page.locator("[name=software_name]").fill(NAME)
    page.locator("[name=version]").fill("V2.0")
    page.locator("[name=contract_type][value=transfer]").check()
    page.locator("[name=applicant_side][value=transferor]").check()
    page.locator("[name=rights_scope][value=all]").check()
    page.locator("[name=territory]").fill("中国大陆")
    page.locator("[name=effective_date]").fill("2026-11-01")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("error-software_name")).to_contain_text("须与登记号")
    page.locator("[name=version]").fill("V1.0")
    page.get_by_test_id("next").click()

    # 当事人: carol as 受让方, the addresses and the contract
    expect(page.get_by_test_id("wizard-step-parties")).to_be_visible()
    expect(page.get_by_test_id("role-alice")).to_have_text("转让方/许可方")
    page.get_by_test_id("party-role").select_option("transferee")
    page.get_by_test_id("owner-identifier").fill("carol")
    page.get_by_test_id("add-owner").click()
    expect(page.get_by_test_id("role-carol")).to_have_text("受让方/被许可方")
    page.locator("[name=transferor_address]").fill("北京市海淀区中关村大街1号")
    page.locator("[name=transferee_address]").fill("上海市浦东新区世纪大道100号")
    page.get_by_test_id("file-contract").set_input_files(pdf_file("合同.pdf", one_page_pdf("contract")))
    page.get_by_test_id("upload-contract").click()
    expect(page.get_by_test_id("checks-contract")).to_contain_text("已上传")
    page.get_by_test_id("next").click()

    filing = issue_and_submit(page, [alice, carol], "R21")
    examine_and_register(filing, examiner_user)

    page.goto(f"/registry/{registration.registration_number}/")
    expect(page.get_by_test_id("changes")).to_contain_text("合同登记")
    expect(page.get_by_test_id("changes")).to_contain_text("转让合同")
    expect(page.get_by_test_id("changes")).to_contain_text("柯萝")
