"""R41 and R21 in the browser: alice changes the name of her registered work, then records its transfer."""

import pytest
from playwright.sync_api import expect

from ruanzhu.filings.models import Filing
from tests.browser.pages import issue_and_submit, log_in, pdf_file
from tests.factories import NAME, FilingFactory, examine_and_register, registration_of
from tests.filings.registered import one_page_pdf

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_NAME = "智慧园区综合管理平台"


@pytest.fixture
def registration(portal, verified_alice, verified_bob, deposits, examiner):
    """alice's and bob's R11 work 智慧园区管理平台 V1.0, registered through the services."""
    filing = FilingFactory(
        registered=True,
        applicant=verified_alice,
        co_owners=[verified_bob],
        deposits=deposits,
        examiner=examiner,
    )
    return registration_of(filing)


def test_alice_changes_the_name_of_her_registered_work(page, registration, alice, password, examiner):
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

    examine_and_register(filing, examiner)

    page.goto("/registry/")
    page.get_by_test_id("search-query").fill("综合")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("search-results")).to_contain_text(registration.registration_number)
    page.get_by_role("link", name=registration.registration_number).first.click()
    expect(page.locator("h1")).to_contain_text(NEW_NAME)
    expect(page.get_by_test_id("changes")).to_contain_text(f"软件名称：{NAME} → {NEW_NAME}")
    expect(page.get_by_test_id("changes")).to_contain_text("变更")


def test_alice_records_the_transfer_of_her_work_to_carol(
    page, registration, alice, verified_carol, password, examiner
):
    carol = verified_carol
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
    examine_and_register(filing, examiner)

    page.goto(f"/registry/{registration.registration_number}/")
    expect(page.get_by_test_id("changes")).to_contain_text("合同登记")
    expect(page.get_by_test_id("changes")).to_contain_text("转让合同")
    expect(page.get_by_test_id("changes")).to_contain_text("柯萝")
