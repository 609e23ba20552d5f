from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ruanzhu.accounts.models import User
from ruanzhu.core import divisions
from ruanzhu.identity.models import Verification, VerificationDocument
from ruanzhu.notifications.models import Notification
from tests.factories import UserFactory
from tests.identity import images_fixtures as pictures
from tests.identity.conftest import ALICE_ID, CREDIT_CODE, fill_individual, upload_file


def test_wizard_needs_login(client, db):
    for name in ("identity:start", "identity:step1", "identity:step2", "identity:step3", "identity:status"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_前往实名认证_opens_the_first_step_with_the_four_steps(client, applicant):
    client.force_login(applicant)
    response = client.get(reverse("identity:start"))
    assert response["Location"] == reverse("identity:step1")
    page = client.get(reverse("identity:step1")).content.decode()
    for label in ("身份", "完善账户信息", "申请认证", "审核信息"):
        assert label in page


def test_individual_submits_and_sees_the_seed_message_with_a_working_day_due_date(
    client, applicant, photos, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        fill_individual(client, photos)
        page = client.get(reverse("identity:step3")).content.decode()
        assert "为避免审核失败，请上传清晰、平铺、无反光、无遮边的证件照片" in page
        assert "仅供办理中国版权保护中心各项申请使用" in page
        response = client.post(reverse("identity:step3"), {"consent_id_data": "on", "consent_face": "on"})
    assert response["Location"] == reverse("identity:status")
    verification = applicant.verifications.get()
    assert verification.status == Verification.Status.SUBMITTED
    assert verification.birth_date == date(1990, 3, 7)
    assert verification.due_date is not None and verification.due_date > verification.submitted_at.date()
    assert verification.consent_id_data == verification.consent_face == "2026-11"
    applicant.refresh_from_db()
    assert applicant.identity_status == User.IdentityStatus.PENDING
    status = client.get(reverse("identity:status")).content.decode()
    assert "您已提交实名认证申请，我们将在1-3个工作日内审核。" in status
    assert "审核通过后您可直接登录系统，如审核不通过，请修改信息后再提交。" in status
    assert Notification.objects.filter(recipient=applicant, title="实名认证申请已提交").exists()


def test_wizard_resumes_where_the_applicant_left_off(client, applicant):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    assert client.get(reverse("identity:start"))["Location"] == reverse("identity:step2")


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105199003070018", "校验位"),
        ("11010519900307001", "18位"),
        ("110105199013070010", "出生日期"),
        ("990105199003070010", "地区"),
    ],
)
def test_bad_resident_id_is_refused_and_nothing_is_saved(client, applicant, number, fragment):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    response = client.post(
        reverse("identity:step2"),
        {
            "real_name": "张三",
            "id_number": number,
            "id_valid_from": "2020-01-01",
            "id_long_term": "on",
            "province": "北京市",
            "city": "北京市",
        },
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["id_number"])
    assert fragment in errors
    verification = applicant.verifications.get()
    assert verification.id_number == "" and verification.real_name == "" and verification.step == 1


@pytest.mark.parametrize(
    ("id_type", "good", "bad"),
    [
        ("hk_macao_permit", "H12345678", "X12345678"),
        ("taiwan_permit", "12345678", "1234"),
        ("passport", "E12345678", "E1"),
    ],
)
def test_other_documents_are_checked_for_a_plausible_format(client, applicant, id_type, good, bad):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": id_type})
    base = {
        "real_name": "陈大文",
        "id_valid_from": "2020-01-01",
        "id_valid_until": "2030-01-01",
        "province": "香港特别行政区",
        "city": "香港特别行政区",
    }
    assert client.post(reverse("identity:step2"), {**base, "id_number": bad}).status_code == 400
    assert client.post(reverse("identity:step2"), {**base, "id_number": good}).status_code == 302


def test_expired_document_and_missing_validity_are_refused(client, applicant):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    base = {
        "real_name": "张三",
        "id_number": ALICE_ID,
        "id_valid_from": "2010-01-01",
        "province": "北京市",
        "city": "北京市",
    }
    expired = client.post(reverse("identity:step2"), {**base, "id_valid_until": "2020-01-01"})
    assert "已过有效期" in expired.content.decode()
    missing = client.post(reverse("identity:step2"), base)
    assert missing.status_code == 400


def test_overlong_name_is_refused(client, applicant):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    response = client.post(
        reverse("identity:step2"),
        {
            "real_name": "张" * 51,
            "id_number": ALICE_ID,
            "id_valid_from": "2020-01-01",
            "id_long_term": "on",
            "province": "北京市",
            "city": "北京市",
        },
    )
    assert response.status_code == 400 and "real_name" in response.context["form"].errors


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"GIF89a" + b"\x00" * 100, "请上传jpg、png、jpeg格式。"),
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "请上传jpg、png、jpeg格式。"),
    ],
)
def test_disguised_upload_is_refused_with_the_seed_message(client, applicant, name, content, message):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    response = client.post(
        reverse("identity:upload", args=["id_front"]), {"file": upload_file(content, name)}, follow=True
    )
    assert message in response.content.decode()
    assert not VerificationDocument.objects.exists()


def test_htmx_upload_answers_with_the_slot_and_its_checks(
    client, applicant, photos, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("identity:upload", args=["handheld"]),
            {"file": upload_file(pictures.jpeg_bytes(pictures.blurred(pictures.handheld_photo(seed=3), 8)))},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    document = VerificationDocument.objects.get(slot="handheld")
    assert document.check_state == "done"
    failed = {check["code"] for check in document.failed_checks}
    assert "blurred" in failed or "blur" in " ".join(failed)
    page = client.get(reverse("identity:slot_row", args=["handheld"])).content.decode()
    assert any(check["message"] in page for check in document.failed_checks)


def test_same_picture_for_two_slots_is_flagged(client, applicant, photos, django_capture_on_commit_callbacks):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:upload", args=["id_front"]), {"file": upload_file(photos["id_front"])})
        client.post(reverse("identity:upload", args=["id_back"]), {"file": upload_file(photos["id_front"])})
    back = VerificationDocument.objects.get(slot="id_back")
    duplicate = [check for check in back.failed_checks if "duplicate" in check["code"]]
    # The message names the other photo as the applicant knows it, never by its internal slot code.
    assert duplicate and "与“证件照正面”是同一张图片" in duplicate[0]["message"]
    assert "id_front" not in duplicate[0]["message"]


def test_upload_for_a_slot_of_the_other_kind_is_refused(client, applicant, photos):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    response = client.post(
        reverse("identity:upload", args=["licence"]), {"file": upload_file(photos["licence"])}, follow=True
    )
    assert "不需要此材料" in response.content.decode()
    assert not VerificationDocument.objects.exists()


def details_saved(client):
    """Steps 1 and 2 of an individual, done: the uploads and consents of step 3 are next."""
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    response = client.post(
        reverse("identity:step2"),
        {
            "real_name": "张三",
            "id_number": ALICE_ID,
            "id_valid_from": "2020-01-01",
            "id_long_term": "on",
            "province": "北京市",
            "city": "北京市",
        },
    )
    assert response.status_code == 302


def test_submit_needs_every_document_and_both_consents(client, applicant, photos):
    client.force_login(applicant)
    details_saved(client)
    client.post(reverse("identity:upload", args=["id_front"]), {"file": upload_file(photos["id_front"])})
    response = client.post(reverse("identity:step3"), {"consent_id_data": "on", "consent_face": "on"})
    assert response.status_code == 400
    assert "证件照反面" in response.content.decode() and "手持证件照片" in response.content.decode()
    for slot in ("id_back", "handheld"):
        client.post(reverse("identity:upload", args=[slot]), {"file": upload_file(photos[slot])})
    response = client.post(reverse("identity:step3"), {"consent_id_data": "on"})
    assert response.status_code == 400
    assert applicant.verifications.get().status == Verification.Status.DRAFT


def test_consents_start_unticked(client, applicant, photos):
    client.force_login(applicant)
    fill_individual(client, photos)
    page = client.get(reverse("identity:step3")).content.decode()
    assert 'name="consent_id_data"' in page and "checked" not in page.split('name="consent_id_data"')[1][:60]


def test_submitted_verification_cannot_be_edited(client, submitted, applicant, photos):
    client.force_login(applicant)
    assert client.get(reverse("identity:step2"))["Location"] == reverse("identity:status")
    response = client.post(
        reverse("identity:upload", args=["id_front"]), {"file": upload_file(photos["id_back"])}
    )
    assert response["Location"] == reverse("identity:status")
    assert (
        submitted.documents.get(slot="id_front").sha256
        == VerificationDocument.objects.get(slot="id_front").sha256
    )


def test_second_account_with_a_verified_id_number_is_refused(
    client, db, photos, django_capture_on_commit_callbacks
):
    from ruanzhu.identity.models import VerifiedIdentity
    from ruanzhu.identity.validators import person_identity_index

    holder = UserFactory(username="holder")
    first = Verification.objects.create(account=holder, kind="individual", status="approved")
    VerifiedIdentity.objects.create(
        index=person_identity_index("resident_id", ALICE_ID), account=holder, verification=first
    )
    second = UserFactory(username="second", identity_status="unverified")
    client.force_login(second)
    fill_individual(client, photos)
    response = client.post(reverse("identity:step3"), {"consent_id_data": "on", "consent_face": "on"})
    assert response.status_code == 400
    assert "已被其他账户实名认证" in response.content.decode()
    assert second.verifications.get().status == Verification.Status.DRAFT


INSTITUTION_DETAILS = {
    "institution_name": "北京示例软件有限公司",
    "legal_representative": "李四",
    "address": "北京市海淀区中关村大街1号",
    "province": "北京市",
    "city": "北京市",
    "admin_real_name": "王五",
    "admin_id_number": ALICE_ID,
    "admin_id_valid_from": "2020-01-01",
    "admin_id_long_term": "on",
}


def test_institution_checks_the_credit_code_and_downloads_the_filled_letter(client, institution):
    client.force_login(institution)
    client.post(
        reverse("identity:step1"), {"category": "enterprise", "nationality": "中国", "id_type": "resident_id"}
    )
    base = INSTITUTION_DETAILS
    bad = client.post(reverse("identity:step2"), {**base, "credit_code": "91110000600037341A"})
    assert bad.status_code == 400 and "校验位" in " ".join(bad.context["form"].errors["credit_code"])
    good = client.post(reverse("identity:step2"), {**base, "credit_code": CREDIT_CODE.lower()})
    assert good.status_code == 302
    verification = institution.verifications.get()
    assert verification.credit_code == CREDIT_CODE and verification.real_name == "王五"
    letter = client.get(reverse("identity:authorization_letter"))
    assert letter["Content-Type"] == "application/pdf" and letter["X-Content-Type-Options"] == "nosniff"
    text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(letter.content)).pages)
    for expected in ("授权书", "北京示例软件有限公司", CREDIT_CODE, "李四", "王五", "acme_admin"):
        assert expected in text


def test_institution_letter_accepts_a_pdf_upload(client, institution):
    import io

    from reportlab.pdfgen import canvas

    client.force_login(institution)
    client.post(
        reverse("identity:step1"), {"category": "enterprise", "nationality": "中国", "id_type": "resident_id"}
    )
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(100, 700, "signed letter")
    sheet.save()
    response = client.post(
        reverse("identity:upload", args=["authorization_letter"]),
        {"file": upload_file(buffer.getvalue(), "letter.pdf")},
    )
    assert response.status_code == 302
    assert VerificationDocument.objects.get(slot="authorization_letter").content_type == "application/pdf"


def test_letter_needs_the_institution_details_first(client, institution, applicant):
    client.force_login(institution)
    assert client.get(reverse("identity:authorization_letter"))["Location"] == reverse("identity:step2")
    client.force_login(applicant)
    assert client.get(reverse("identity:authorization_letter"))["Location"] == reverse("identity:step2")


def test_wrong_method_is_refused(client, applicant):
    client.force_login(applicant)
    assert client.get(reverse("identity:upload", args=["id_front"])).status_code == 405
    assert client.get(reverse("identity:revise")).status_code == 405


def test_an_institution_consents_to_the_portrait_it_gives_and_its_letter_is_no_photo(
    client, institution, photos, django_capture_on_commit_callbacks
):
    client.force_login(institution)
    client.post(
        reverse("identity:step1"), {"category": "enterprise", "nationality": "中国", "id_type": "resident_id"}
    )
    assert (
        client.post(
            reverse("identity:step2"), {**INSTITUTION_DETAILS, "credit_code": CREDIT_CODE}
        ).status_code
        == 302
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("identity:upload", args=["authorization_letter"]),
            {"file": upload_file(photos["authorization_letter"])},
        )
    page = client.get(reverse("identity:step3")).content.decode()
    assert "管理员证件照片中的人像" in page and "手持证件照片" not in page
    letter = client.get(reverse("identity:slot_row", args=["authorization_letter"])).content.decode()
    assert "照片检查通过" not in letter
    document = VerificationDocument.objects.get(slot="authorization_letter")
    assert not document.failed_checks and "文件检查通过" in letter


def test_province_and_city_are_cascading_choices_from_the_division_list(client, applicant):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    page = client.get(reverse("identity:step2")).content.decode()
    assert '<select name="province"' in page and '<option value="广东省">' in page
    assert 'hx-get="/identity/cities/"' in page
    options = client.get(reverse("identity:cities"), {"province": "湖北省"}).content.decode()
    assert '<option value="武汉市">' in options and '<option value="仙桃市">' in options
    assert "深圳市" not in options and "[" not in options  # no other province, no retired division
    assert client.get(reverse("identity:cities"), {"province": "\x00"}).content.decode().count("<option") == 1

    base = {
        "real_name": "张三",
        "id_number": ALICE_ID,
        "id_valid_from": "2020-01-01",
        "id_long_term": "on",
    }
    wrong_city = client.post(reverse("identity:step2"), {**base, "province": "湖北省", "city": "深圳市"})
    assert wrong_city.status_code == 400
    assert "所选城市不属于该省份，请重新选择。" in wrong_city.content.decode()
    assert '<option value="武汉市">' in wrong_city.content.decode()  # the cities of the province chosen
    unknown = client.post(reverse("identity:step2"), {**base, "province": "火星", "city": "火星"})
    assert "请从列表中选择省份。" in unknown.content.decode()
    assert applicant.verifications.get().province == ""
    ok = client.post(reverse("identity:step2"), {**base, "province": "湖北省", "city": "仙桃市"})
    assert ok.status_code == 302
    verification = applicant.verifications.get()
    assert (verification.province, verification.city) == ("湖北省", "仙桃市")


def test_every_province_has_a_city_and_a_municipality_is_its_own():
    provinces = divisions.provinces()
    assert len(provinces) == 34 and provinces[0] == "北京市" and "香港特别行政区" in provinces
    assert all(divisions.cities(name) for name in provinces)
    assert divisions.cities("上海市") == ("上海市",)
    assert "秦皇岛市" in divisions.cities("河北省") and "崇文区" not in str(divisions.cities("北京市"))
    assert divisions.cities("火星") == ()


def test_step_2_shows_every_mistake_at_once(client, applicant):
    client.force_login(applicant)
    client.post(reverse("identity:step1"), {"nationality": "中国", "id_type": "resident_id"})
    response = client.post(
        reverse("identity:step2"),
        {
            "real_name": "张三",
            "id_number": "110105199003070018",
            "id_valid_from": "2010-01-01",
            "id_valid_until": "2020-01-01",
        },
    )
    errors = response.context["form"].errors
    assert response.status_code == 400
    assert {"id_number", "id_valid_until", "province", "city"} <= set(errors)
    assert "已过有效期" in " ".join(errors["id_valid_until"])
    assert applicant.verifications.get().id_number == ""


def test_an_institution_sees_its_credit_code_and_administrator_mistakes_together(client, institution):
    client.force_login(institution)
    client.post(
        reverse("identity:step1"), {"category": "enterprise", "nationality": "中国", "id_type": "resident_id"}
    )
    response = client.post(
        reverse("identity:step2"),
        {**INSTITUTION_DETAILS, "credit_code": "91110000600037341A", "admin_id_number": "110105199003070018"},
    )
    errors = response.context["form"].errors
    assert response.status_code == 400 and {"credit_code", "admin_id_number"} <= set(errors)


def test_step_3_names_the_missing_uploads_with_the_unticked_consents(client, applicant, photos):
    client.force_login(applicant)
    details_saved(client)
    page = client.post(reverse("identity:step3"), {}).content.decode()
    assert "请上传：证件照正面、证件照反面、手持证件照片。" in page
    assert "请勾选此项授权同意。" in page
    assert applicant.verifications.get().status == Verification.Status.DRAFT
