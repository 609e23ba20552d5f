"""What the browser tests do on the portal's pages: log in, fill the wizard, enter codes, read the form."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from ruanzhu.filings.models import Filing
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.factories import MAIN_FUNCTIONS, PASSWORD, totp_now

FEATURES = {
    "dev_hardware": "PC 服务器",
    "run_hardware": "x86 服务器",
    "dev_os": "Linux",
    "dev_tools": "PyCharm",
    "run_platform": "Linux",
    "support_software": "PostgreSQL",
    "source_lines": "52000",
    "purpose": "园区数字化管理",
    "field": "物业管理",
    "main_functions": MAIN_FUNCTIONS,
}


def pdf_file(name: str, content: bytes) -> dict:
    """Return a PDF as Playwright's ``set_input_files`` takes it."""
    return {"name": name, "mimeType": "application/pdf", "buffer": content}


def signed_page() -> bytes:
    """Return the signature page as the applicant scans it back: any one-page PDF."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, "signed and sealed")
    sheet.save()
    return buffer.getvalue()


def log_in(page, username: str, password: str, tab: str | None = None):
    """Log in on the applicant login page (its individual tab unless ``tab`` names one to click)."""
    page.goto(f"/accounts/login/?tab={tab or 'individual'}")
    if tab:
        page.get_by_test_id(f"tab-{tab}").click()
    page.locator("[name=identifier]").fill(username)
    page.locator("[name=password]").fill(password)
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("account-name")).to_be_visible()


def staff_log_in(page, username: str, device, password: str = PASSWORD):
    """Log in on the staff login page with the password and the device's current TOTP code."""
    page.goto("/accounts/staff/login/")
    page.locator("[name=identifier]").fill(username)
    page.locator("[name=password]").fill(password)
    page.locator("[name=otp_token]").fill(totp_now(device))
    page.get_by_test_id("staff-login").click()


def fill_features(page):
    """Fill 软件功能与特点 with the R11 filing of the tests (the deposits are uploaded apart)."""
    for name, value in FEATURES.items():
        page.locator(f"[name={name}]").fill(value)
    page.locator("[name=languages][value=Python]").check()
    page.locator("[name=feature_tags][value=物联网软件]").check()


def upload_deposit(page, kind: str, file: dict):
    """Pick the file for the box: it uploads at once and the box comes back with the outcome."""
    path = f"/documents/{kind}/upload/"
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith(path), timeout=30_000
    ):
        page.get_by_test_id(f"file-{kind}").set_input_files(file)
    expect(page.get_by_test_id(f"slot-{kind}")).not_to_have_attribute("aria-busy", "true")


def enter_codes(page, users, service: str = "R11"):
    """Enter each user's latest code on 确认; the form is issued with its flow number."""
    for user in users:
        page.get_by_test_id(f"code-{user.username}").fill(latest_code_in_outbox(user.phone))
        page.get_by_test_id(f"confirm-code-{user.username}").click()
    expect(page.get_by_test_id("flow-number")).to_have_text(re.compile(rf"^{service}\d{{14}}$"))


def invite(page, identifier: str, masked: str, role: str | None = None):
    """Invite a party on the owners panel: the panel shows only what was typed, masked, until it accepts."""
    if role:
        page.get_by_test_id("party-role").select_option(role)
    page.get_by_test_id("owner-identifier").fill(identifier)
    page.get_by_test_id("add-owner").click()
    expect(page.locator(".messages")).to_contain_text(f"已向{masked}发出邀请")
    row = page.get_by_test_id("owners-panel").locator("tr", has_text=masked)
    expect(row).to_contain_text("待接受邀请")


def accept_invitation(browser, base_url: str, username: str, password: str, software: str):
    """As the invitee, in its own browser: 我的申请 → 查看邀请 → 接受邀请 for ``software``."""
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    context.set_default_timeout(10_000)
    invitee = context.new_page()
    log_in(invitee, username, password)
    invitee.get_by_test_id("my-filings-link").click()
    invitee.get_by_test_id("invitations-link").click()
    invitee.locator(".invitation", has_text=software).get_by_role("button", name="接受邀请").click()
    expect(invitee.locator(".messages")).to_contain_text("已接受邀请")
    context.close()


def read_form(page) -> str:
    """Download the application form and return its text."""
    with page.expect_download() as download:
        page.get_by_test_id("download-form").click()
    content = open(download.value.path(), "rb").read()
    return "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(content)).pages)


def issue_and_submit(page, users, service: str) -> Filing:
    """On 确认: send the codes, enter each party's code, upload the signature page and submit."""
    expect(page.get_by_test_id("wizard-step-confirm")).to_be_visible()
    page.get_by_test_id("send-codes").click()
    expect(page.locator(".messages")).to_contain_text("验证码已发送")
    enter_codes(page, users, service)
    page.get_by_test_id("file-signature_page").set_input_files(pdf_file("signed.pdf", signed_page()))
    page.get_by_test_id("upload-signature_page").click()
    expect(page.get_by_test_id("signature-page")).to_contain_text("signed.pdf")
    page.get_by_test_id("submit-filing").click()
    expect(page.get_by_test_id("filing-status")).to_have_text("待受理")
    return Filing.objects.get(flow_number=page.get_by_test_id("flow-number").inner_text())
