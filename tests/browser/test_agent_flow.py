"""An agent in the browser: gets a mandate from acme, files R11 for acme with alice as co-owner, the form prints
the agent block; acme revokes the mandate and the agent's next edit is refused."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ruanzhu.filings.models import Filing
from ruanzhu.otp.selectors import outbox_messages
from tests.browser.pages import (
    enter_codes,
    fill_features,
    invite,
    log_in,
    pdf_file,
    read_form,
    upload_deposit,
)
from tests.factories import NAME, VERSION, invitation_accept_as

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESCRIPTION = "代为办理计算机软件著作权登记申请及补正"
REFUSAL = "委托已撤销、已过期或不包含本业务"


def test_agent_files_for_acme_with_alice_and_revocation_stops_it(
    page, browser, live_server, portal, agent, verified_acme, verified_alice, password, deposits
):
    acme, alice = verified_acme, verified_alice
    today = timezone.localdate()

    # The agent proposes a mandate for R11
    log_in(page, "agent", password, "institution")
    page.get_by_test_id("agent-link").click()
    page.get_by_test_id("propose-link").click()
    page.locator("[name=client]").fill("acme")
    page.locator("[name=services][value=R11]").check()
    page.locator("[name=start_date]").fill(today.isoformat())
    page.locator("[name=end_date]").fill((today + datetime.timedelta(days=365)).isoformat())
    page.locator("[name=description]").fill(DESCRIPTION)
    page.get_by_role("button", name="发起委托").click()
    expect(page.get_by_test_id("mandate-state")).to_have_text("待确认")

    # acme accepts it in its own browser context
    acme_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    acme_context.set_default_timeout(10_000)
    acme_page = acme_context.new_page()
    acme_page.on("dialog", lambda dialog: dialog.accept())
    log_in(acme_page, "acme", password, "institution")
    acme_page.get_by_test_id("mandates-link").click()
    acme_page.locator("[data-testid^=accept-]").click()
    expect(acme_page.locator(".messages")).to_contain_text("已确认委托")

    # The agent files R11 for acme: 立即登记 → 我是代理机构：为委托人办理
    page.goto("/services/software/")
    page.get_by_test_id("start-R11").click()
    expect(page.get_by_test_id("wizard-step-role")).to_be_visible()
    client_select = page.locator("[data-field=mandate_client]")
    expect(client_select).to_be_hidden()
    page.locator("[name=filer_role][value=agent]").check()
    expect(client_select).to_be_visible()
    page.locator("[name=mandate_client]").select_option(label="示例科技有限公司")
    page.locator("[name=owner_type][value=joint]").check()
    page.locator("[name=development_mode][value=independent]").check()
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("wizard-step-software")).to_be_visible()
    expect(page.get_by_test_id("filer-role")).to_contain_text("为委托人示例科技有限公司办理")
    page.locator("[name=full_name]").fill(NAME)
    page.locator("[name=version]").fill(VERSION)
    page.locator("[name=category]").select_option("应用软件")
    page.locator("[name=work_type][value=original]").check()
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("wizard-step-development")).to_be_visible()
    invite(page, "13800000001", "138****0001")
    invitation_accept_as(Filing.objects.get(agent=agent, title=NAME), alice)  # alice accepts in her account
    page.reload()
    expect(page.get_by_test_id("owner-alice")).to_contain_text("李爱丽")
    page.locator("[name=completion_date]").fill("2026-06-30")
    page.locator("[name=publication][value=unpublished]").check()
    page.locator("[name=acquisition][value=original]").check()
    page.locator("[name=rights_scope][value=all]").check()
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("wizard-step-features")).to_be_visible()
    fill_features(page)
    upload_deposit(page, "program_deposit", pdf_file("program.pdf", deposits["program"]))
    expect(page.get_by_test_id("checks-program_deposit")).to_contain_text("检查通过")
    upload_deposit(page, "document_deposit", pdf_file("manual.pdf", deposits["document"]))
    expect(page.get_by_test_id("checks-document_deposit")).to_contain_text("检查通过")
    page.get_by_test_id("next").click()

    # 出申请表: the codes go to acme's and alice's phones, none to the agent's
    expect(page.get_by_test_id("wizard-step-confirm")).to_be_visible()
    # (the agent's phone did get the notice that acme accepted the mandate)
    agent_messages = outbox_messages(agent.phone).count()
    page.get_by_test_id("send-codes").click()
    expect(page.locator(".messages")).to_contain_text("138****0003")
    expect(page.locator(".messages")).to_contain_text("138****0001")
    assert outbox_messages(agent.phone).count() == agent_messages
    enter_codes(page, [acme, alice])
    text = read_form(page)
    assert "示例知识产权代理有限公司" in text and "钱经办" in text and DESCRIPTION in text
    assert "示例科技有限公司" in text and "李爱丽" in text
    filing = Filing.objects.get(flow_number=page.get_by_test_id("flow-number").inner_text())
    assert (filing.applicant_id, filing.filer_id, filing.agent_id) == (acme.pk, agent.pk, agent.pk)

    # The agent opens a step to edit it; meanwhile acme revokes the mandate
    page.get_by_role("link", name="软件功能与特点").click()
    expect(page.get_by_test_id("wizard-step-features")).to_be_visible()
    acme_page.get_by_test_id("mandates-link").click()
    acme_page.locator("[data-testid^=revoke-]").click()
    expect(acme_page.locator(".messages")).to_contain_text("委托已撤销")

    # The agent's next edit is refused and changes nothing
    page.locator("[name=purpose]").fill("撤销后修改")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("forbidden-reason")).to_contain_text(REFUSAL)
    filing.refresh_from_db()
    assert filing.details["purpose"] == "园区数字化管理" and filing.status == "form_issued"

    # acme still reads its filing, with the agent block
    acme_page.get_by_test_id("my-filings-link").click()
    acme_page.get_by_role("link", name=NAME).click()
    expect(acme_page.get_by_test_id("agent-block")).to_contain_text("示例知识产权代理有限公司")
    expect(acme_page.get_by_test_id("continue-editing")).to_have_count(0)
    acme_context.close()
