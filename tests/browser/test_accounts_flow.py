import re

import pytest
from playwright.sync_api import expect

from ruanzhu.accounts.models import User
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from tests.factories import totp_now

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for_code(phone_e164: str) -> str:
    """Return the code the portal just sent, as the developer reads it from the outbox."""
    import time

    deadline = time.monotonic() + 10
    while True:
        try:
            return latest_code_in_outbox(phone_e164)
        except LookupError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def sign_up(page, *, kind: str, username: str, phone: str, email: str, institution: str = ""):
    page.goto("/")
    page.get_by_role("link", name="注册").first.click()
    page.get_by_test_id("accept-terms").click()  # 同意并继续
    page.get_by_test_id(f"kind-{kind}").click()
    if institution:
        page.locator("[name=institution_name]").fill(institution)
    page.locator("[name=username]").fill(username)
    page.locator("[name=password]").fill("Lantern-Orchid-2026")
    page.locator("[name=password_again]").fill("Lantern-Orchid-2026")
    page.locator("[name=phone]").fill(phone)
    page.get_by_test_id("send-code").click()  # htmx: the page stays, the status line changes
    expect(page.get_by_test_id("code-status")).to_contain_text("验证码已发送至")
    page.locator("[name=code]").fill(wait_for_code("+86" + phone))
    page.locator("[name=email]").fill(email)
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("signup-done")).to_have_text("注册成功")


def log_in(page, *, tab: str, identifier: str, password: str = "Lantern-Orchid-2026"):
    page.get_by_test_id(f"tab-{tab}").click()
    page.locator("[name=identifier]").fill(identifier)
    page.locator("[name=password]").fill(password)
    page.get_by_test_id("login").click()


def test_individual_signs_up_logs_in_and_meets_the_verification_gate(page):
    sign_up(page, kind="individual", username="zhangsan", phone="13912345678", email="zhangsan@example.com")
    page.get_by_test_id("go-register").click()  # 去登记
    expect(page.get_by_test_id("tab-individual")).to_have_attribute("aria-selected", "true")
    log_in(page, tab="individual", identifier="13912345678")
    expect(page.get_by_test_id("account-name")).to_have_text("zhangsan")
    expect(page.get_by_test_id("identity-status")).to_have_text("未实名认证")
    # 版权登记 → 软件登记 → 立即登记 on R11: an unverified account lands on 前往实名认证.
    page.get_by_role("link", name="版权登记").first.click()
    expect(page.get_by_test_id("service-R11")).to_contain_text("计算机软件著作权登记申请")
    page.get_by_test_id("start-R11").click()
    expect(page.get_by_test_id("verification-required")).to_contain_text("前往实名认证")
    user = User.objects.get(username="zhangsan")
    assert user.kind == User.Kind.INDIVIDUAL and user.phone == "+8613912345678"


def test_institution_signs_up_and_logs_in_on_its_tab(page):
    sign_up(
        page,
        kind="institution",
        username="acme_admin",
        phone="13912340000",
        email="admin@acme.example.com",
        institution="北京示例软件有限公司",
    )
    page.get_by_test_id("go-register").click()
    expect(page.get_by_test_id("tab-institution")).to_have_attribute("aria-selected", "true")
    # The wrong tab is explained rather than silently refused.
    log_in(page, tab="individual", identifier="acme_admin")
    expect(page.get_by_test_id("form-errors")).to_contain_text("机构用户")
    log_in(page, tab="institution", identifier="admin@acme.example.com")
    expect(page.get_by_test_id("account-name")).to_have_text("北京示例软件有限公司")


def test_a_registered_phone_gets_the_same_answer_and_its_owner_is_told(page, alice):
    """Sign-up does not tell a stranger which numbers are registered: it answers as for any number, sends no
    code, and tells the number's owner that someone tried."""
    page.goto("/accounts/signup/")
    page.get_by_test_id("accept-terms").click()
    page.get_by_test_id("kind-individual").click()
    page.locator("[name=phone]").fill("138 0000 0001")
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-status")).to_have_text("验证码已发送至 138****0001，5分钟内有效。")
    notice = outbox_messages(alice.phone).first()
    assert notice is not None and "有人尝试用您的手机号注册新账户" in notice.body
    assert not re.search(r"\d{6}", notice.body)  # no code in it


def test_verified_account_passes_立即登记(page, alice, password):
    page.goto("/accounts/login/")
    log_in(page, tab="individual", identifier="alice", password=password)
    expect(page.get_by_test_id("identity-status")).to_have_text("已实名认证")
    page.get_by_test_id("start-R11").click()
    expect(page.get_by_test_id("wizard-step-role")).to_contain_text("计算机软件著作权登记申请")


def test_switching_language_to_english_and_back(page):
    page.goto("/services/software/")
    expect(page.get_by_role("heading", level=1)).to_have_text("软件著作权相关登记")
    page.get_by_test_id("language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("start-R11")).to_have_text("Register now")
    body = page.locator("main").inner_text()
    assert not re.search(r"[\u4e00-\u9fff]", body), body
    page.get_by_test_id("language-switch").click()
    expect(page.get_by_test_id("start-R11")).to_have_text("立即登记")


def test_staff_login_needs_the_totp_code(page, reviewer, password):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/staff/login/"))
    page.locator("[name=identifier]").fill("reviewer")
    page.locator("[name=password]").fill(password)
    page.locator("[name=otp_token]").fill("000000")
    page.get_by_test_id("staff-login").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("动态口令不正确")
    # django-otp makes a device wait a second after a wrong code, as it should against guessing.
    page.wait_for_timeout(1100)
    page.locator("[name=password]").fill(password)
    page.locator("[name=otp_token]").fill(totp_now(TOTPDevice.objects.get(user=reviewer)))
    page.get_by_test_id("staff-login").click()
    expect(page.get_by_test_id("staff-home")).to_be_visible()
