"""R41 and R21 in the browser: alice changes the name of her registered work, then records its transfer."""

import pytest
from playwright.sync_api import expect

from ruanzhu.filings.models import Filing
from ruanzhu.notifications.models import Notification
from ruanzhu.otp.selectors import outbox_messages
from tests.browser.pages import invite, issue_and_submit, log_in, pdf_file
from tests.factories import NAME, FilingFactory, examine_and_register, invitation_accept_as, registration_of
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


def test_alice_changes_the_name_of_her_registered_work(
    page, staff_page, browser, live_server, registration, alice, bob, verified_carol, password
):
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
    expect(page.get_by_test_id("checks-evidence")).to_contain_text("已上传")
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("summary")).to_contain_text(f"软件名称：{NAME} → {NEW_NAME}")
    # bob, the other owner of record, is asked too: his code goes to his own phone and names the filing.
    filing = issue_and_submit(page, [alice, bob], "R41")
    assert any("李爱丽申请对《智慧园区管理平台" in message.body for message in outbox_messages(bob.phone))
    assert Notification.objects.filter(recipient=bob, title="登记申请已提交").exists()

    # The examiner sees both owners of record matched and confirmed, ticks the checklist and approves.
    staff_page.goto(f"/staff/examination/{filing.pk}/")
    for action in ("claim", "accept", "start"):
        staff_page.get_by_test_id(action).click()
    owners = staff_page.get_by_test_id("owners-of-record")
    expect(owners).to_contain_text("李爱丽")
    expect(owners).to_contain_text("鲍勃")
    expect(staff_page.get_by_test_id("consent-1")).to_have_text("已确认")
    expect(staff_page.get_by_test_id("consent-2")).to_have_text("已确认")
    checklist = staff_page.locator("[name=checklist]")
    for index in range(checklist.count()):
        checklist.nth(index).check()
    staff_page.once("dialog", lambda dialog: dialog.accept())
    staff_page.get_by_test_id("register").click()
    expect(staff_page.get_by_test_id("filing-status")).to_have_text("已登记")

    page.goto("/registry/")
    page.get_by_test_id("search-query").fill("综合")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("search-results")).to_contain_text(registration.registration_number)
    page.get_by_role("link", name=registration.registration_number).first.click()
    expect(page.locator("h1")).to_contain_text(NEW_NAME)
    expect(page.get_by_test_id("changes")).to_contain_text(f"软件名称：{NAME} → {NEW_NAME}")
    expect(page.get_by_test_id("changes")).to_contain_text("变更")

    # A stranger's R41 on the same record is refused at the first step, and nothing is created.
    stranger = browser.new_context(base_url=live_server.url, locale="zh-CN")
    carol_page = stranger.new_page()
    log_in(carol_page, "carol", password)
    carol_page.goto("/services/software/R41/start/")
    carol_page.locator("[name=registration_number]").fill(registration.registration_number)
    carol_page.locator("[name=change_kind][value=change]").check()
    carol_page.locator("[name=item_1]").select_option("owner_name")
    carol_page.locator("[name=before_1]").fill("李爱丽")
    carol_page.locator("[name=after_1]").fill("柯萝")
    carol_page.locator("[name=reason]").fill("更名")
    carol_page.get_by_test_id("next").click()
    expect(carol_page.locator("body")).to_contain_text("的著作权人或其委托的代理机构可以办理本业务")
    assert not Filing.objects.filter(service="R41", applicant=verified_carol).exists()
    stranger.close()


def test_alice_records_the_transfer_of_her_work_to_carol(
    page, registration, alice, bob, verified_carol, password, examiner
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
    page.locator("[name=rights_scope][value=all]").check()
    page.locator("[name=territory]").fill("中国大陆")
    page.locator("[name=effective_date]").fill("2026-11-01")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("error-software_name")).to_contain_text("须与登记号")
    page.locator("[name=version]").fill("V1.0")
    page.get_by_test_id("next").click()

    # 当事人: carol as 受让方, the addresses and the contract
    expect(page.get_by_test_id("wizard-step-parties")).to_be_visible()
    # The transferor side is the owners of record, listed by the record itself: alice and bob.
    expect(page.get_by_test_id("role-alice")).to_have_text("转让方/许可方")
    expect(page.get_by_test_id("role-bob")).to_have_text("转让方/许可方")
    invite(page, "carol", "c***l", role="transferee")
    invitation_accept_as(Filing.objects.get(service="R21"), carol)  # carol accepts in her account
    page.reload()
    expect(page.get_by_test_id("role-carol")).to_have_text("受让方/被许可方")
    page.locator("[name=transferor_address]").fill("北京市海淀区中关村大街1号")
    page.locator("[name=transferee_address]").fill("上海市浦东新区世纪大道100号")
    page.get_by_test_id("file-contract").set_input_files(pdf_file("合同.pdf", one_page_pdf("contract")))
    expect(page.get_by_test_id("checks-contract")).to_contain_text("已上传")
    page.get_by_test_id("next").click()

    filing = issue_and_submit(page, [alice, bob, carol], "R21")
    examine_and_register(filing, examiner)

    page.goto(f"/registry/{registration.registration_number}/")
    expect(page.get_by_test_id("changes")).to_contain_text("合同登记")
    expect(page.get_by_test_id("changes")).to_contain_text("转让合同")
    expect(page.get_by_test_id("changes")).to_contain_text("柯萝")
    expect(page.get_by_test_id("owners")).to_have_text("柯萝")  # the transferee is now the owner of record
