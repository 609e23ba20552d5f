import io

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from ruanzhu.accounts.models import User
from tests.browser.pages import staff_log_in
from tests.factories import UserFactory
from tests.identity import images_fixtures as pictures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Lantern-Orchid-2026"
PERSON_ID = "110105199003070017"
ADMIN_ID = "110105198510120029"


@pytest.fixture(scope="module")
def photo_files():
    def jpeg(image, name):
        return {"name": name, "mimeType": "image/jpeg", "buffer": pictures.jpeg_bytes(image)}

    return {
        "id_front": jpeg(pictures.photo_of_card(pictures.id_card_front(), seed=21), "front.jpg"),
        "id_back": jpeg(pictures.photo_of_card(pictures.id_card_back(), seed=22), "back.jpg"),
        "handheld": jpeg(pictures.handheld_photo(seed=23), "handheld.jpg"),
        "handheld_again": jpeg(pictures.handheld_photo(seed=24), "handheld2.jpg"),
        "licence": jpeg(pictures.photo_of_card(pictures.id_card_back(), seed=25), "licence.jpg"),
        "admin_id_front": jpeg(pictures.photo_of_card(pictures.id_card_front(), seed=26), "admin-front.jpg"),
        "admin_id_back": jpeg(pictures.photo_of_card(pictures.id_card_back(), seed=27), "admin-back.jpg"),
    }


@pytest.fixture
def staff_page(browser, live_server, reviewer):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    staff_log_in(page, "reviewer", TOTPDevice.objects.get(user=reviewer))
    expect(page.get_by_test_id("identity-queue-summary")).to_be_visible()
    yield page
    context.close()


def log_in(page, username, tab="individual"):
    page.goto(f"/accounts/login/?tab={tab}")
    page.locator("[name=identifier]").fill(username)
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_test_id("login").click()


def upload(page, slot, file):
    # Picking the file uploads it: no 上传 click. Wait for the upload's answer: until then the row still shows the
    # outcome of the photo it replaces, and a submit in between would send the application without the new one.
    path = reverse("identity:upload", args=[slot])
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith(path), timeout=30_000
    ):
        page.get_by_test_id(f"file-{slot}").set_input_files(file)
    # The checks run after the upload; the row shows their outcome when they are done.
    expect(page.get_by_test_id(f"checks-{slot}")).not_to_contain_text("正在检查", timeout=15_000)


def submit(page):
    page.locator("[name=consent_id_data]").check()
    page.locator("[name=consent_face]").check()
    page.get_by_test_id("submit-verification").click()
    expect(page.get_by_test_id("verification-status")).to_contain_text(
        "您已提交实名认证申请，我们将在1-3个工作日内审核。"
    )
    expect(page.get_by_test_id("verification-status")).to_contain_text(
        "审核通过后您可直接登录系统，如审核不通过，请修改信息后再提交。"
    )


def open_in_queue(staff_page, subject):
    staff_page.goto("/staff/identity/")
    staff_page.get_by_role("row", name=subject).get_by_role("link").first.click()


def test_individual_is_rejected_fixes_resubmits_and_is_approved(page, staff_page, photo_files):
    UserFactory(username="zhangsan", identity_status="unverified", password=PASSWORD)
    log_in(page, "zhangsan")
    page.get_by_test_id("start-R11").click()
    page.get_by_test_id("go-verify").click()  # 前往实名认证
    page.locator("[name=id_type]").select_option("resident_id")
    page.get_by_test_id("next").click()
    page.locator("[name=real_name]").fill("张三")
    page.locator("[name=id_number]").fill(PERSON_ID)
    page.locator("[name=id_valid_from]").fill("2020-01-01")
    page.locator("[name=id_long_term]").check()
    # 城市 offers the cities of the province just chosen, fetched as the choice changes.
    page.locator("[name=province]").select_option("广东省")
    expect(page.locator("[name=city] option[value=深圳市]")).to_have_count(1)
    page.locator("[name=city]").select_option("深圳市")
    page.get_by_test_id("next").click()
    expect(page.get_by_text("为避免审核失败，请上传清晰、平铺、无反光、无遮边的证件照片")).to_be_visible()
    for slot in ("id_front", "id_back", "handheld"):
        upload(page, slot, photo_files[slot])
    submit(page)

    open_in_queue(staff_page, "张三")
    staff_page.get_by_test_id("claim").click()
    staff_page.get_by_test_id("reject-form").get_by_label("照片不清晰").check()
    staff_page.get_by_test_id("reject").click()
    expect(staff_page.get_by_test_id("review-status")).to_have_text("审核不通过")

    page.goto("/identity/status/")
    expect(page.get_by_test_id("rejection-reasons")).to_contain_text("证件照片不清晰")
    page.get_by_test_id("revise").click()  # 修改信息
    page.locator("[name=real_name]").fill("张三丰")
    page.get_by_test_id("next").click()
    upload(page, "handheld", photo_files["handheld_again"])
    submit(page)

    open_in_queue(staff_page, "张三丰")
    expect(staff_page.get_by_test_id("changes")).to_contain_text("张三丰")
    expect(staff_page.get_by_test_id("changes")).to_contain_text("手持证件照片")
    expect(staff_page.get_by_test_id("masked-id")).to_have_text("110***********0017")
    staff_page.get_by_test_id("claim").click()
    approve = staff_page.get_by_test_id("approve-form")
    approve.get_by_label("证件真实有效").check()
    approve.get_by_label("手持照片人像与证件照一致").check()
    approve.get_by_label("填写信息与证件一致").check()
    staff_page.get_by_test_id("approve").click()
    expect(staff_page.get_by_test_id("review-status")).to_have_text("审核通过")

    page.goto("/services/software/")
    expect(page.get_by_test_id("identity-status")).to_have_text("已实名认证")
    page.get_by_test_id("start-R11").click()
    expect(page.get_by_test_id("wizard-step-role")).to_contain_text("计算机软件著作权登记申请")
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    assert User.objects.get(username="zhangsan").identity_status == User.IdentityStatus.VERIFIED


def test_institution_goes_through_the_wizard_with_the_letter_and_is_approved(page, staff_page, photo_files):
    from reportlab.pdfgen import canvas

    UserFactory(
        username="acme_admin",
        kind="institution",
        institution_name="北京示例软件有限公司",
        identity_status="unverified",
        password=PASSWORD,
    )
    log_in(page, "acme_admin", tab="institution")
    page.goto("/identity/")
    page.locator("[name=category]").select_option("enterprise")
    page.locator("[name=id_type]").select_option("resident_id")
    page.get_by_test_id("next").click()
    expect(page.locator("[name=institution_name]")).to_have_value("北京示例软件有限公司")
    page.locator("[name=credit_code]").fill("91110000600037341L")
    page.locator("[name=legal_representative]").fill("李四")
    page.locator("[name=address]").fill("北京市海淀区中关村大街1号")
    page.locator("[name=province]").select_option("北京市")
    expect(page.locator("[name=city] option[value=北京市]")).to_have_count(1)
    page.locator("[name=city]").select_option("北京市")
    page.locator("[name=admin_real_name]").fill("王五")
    page.locator("[name=admin_id_number]").fill(ADMIN_ID)
    page.locator("[name=admin_id_valid_from]").fill("2020-01-01")
    page.locator("[name=admin_id_long_term]").check()
    page.get_by_test_id("next").click()
    with page.expect_download() as download:
        page.get_by_test_id("download-letter").click()
    assert download.value.suggested_filename.endswith(".pdf")
    for slot in ("licence", "admin_id_front", "admin_id_back"):
        upload(page, slot, photo_files[slot])
    signed = io.BytesIO()
    sheet = canvas.Canvas(signed)
    sheet.drawString(100, 700, "signed and sealed")
    sheet.save()
    page.get_by_test_id("file-authorization_letter").set_input_files(
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": signed.getvalue()}
    )
    expect(page.get_by_test_id("slot-authorization_letter")).to_contain_text("PDF")
    submit(page)

    open_in_queue(staff_page, "北京示例软件有限公司")
    expect(staff_page.get_by_test_id("review-data")).to_contain_text("91110000600037341L")
    staff_page.get_by_test_id("claim").click()
    approve = staff_page.get_by_test_id("approve-form")
    for label in ("证件真实有效", "手持照片人像与证件照一致", "填写信息与证件一致"):
        approve.get_by_label(label).check()
    staff_page.get_by_test_id("approve").click()
    expect(staff_page.get_by_test_id("review-status")).to_have_text("审核通过")
    page.goto("/services/software/")
    expect(page.get_by_test_id("identity-status")).to_have_text("已实名认证")
