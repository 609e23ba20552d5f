import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from ruanzhu.accounts import services
from ruanzhu.accounts.models import User
from ruanzhu.otp.selectors import outbox_messages
from tests.factories import UserFactory

DETAILS = reverse("accounts:signup_details", args=["individual"])
INSTITUTION = reverse("accounts:signup_details", args=["institution"])
PHONE = "13912345678"
E164 = "+8613912345678"


def form_data(code, **overrides):
    data = {
        "action": "register",
        "username": "zhangsan",
        "password": "Lantern-Orchid-2026",
        "password_again": "Lantern-Orchid-2026",
        "phone": PHONE,
        "code": code,
        "email": "ZhangSan@Example.com",
    }
    data.update(overrides)
    return data


@pytest.fixture
def code(signup_client, send_code, db):
    return send_code(signup_client, DETAILS, {"action": "send_code", "phone": PHONE}, E164)


def test_terms_must_be_accepted_before_the_form(client, db):
    response = client.get(DETAILS)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup")
    assert "同意并继续" in client.get(reverse("accounts:signup")).content.decode()


def test_kind_choice_offers_individual_and_institution(signup_client):
    page = signup_client.get(reverse("accounts:signup_kind")).content.decode()
    assert "个人" in page and "机构" in page
    assert DETAILS in page and INSTITUTION in page


def test_unknown_kind_is_404(signup_client):
    assert signup_client.get("/accounts/signup/robot/").status_code == 404


def test_individual_signs_up_with_the_code_from_the_outbox(signup_client, code):
    response = signup_client.post(DETAILS, form_data(code))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get(username="zhangsan")
    assert user.kind == User.Kind.INDIVIDUAL
    assert user.email == "zhangsan@example.com"
    assert user.phone == E164
    assert user.identity_status == User.IdentityStatus.UNVERIFIED
    assert user.password.startswith("md5$")  # the test hasher; production uses Argon2id (test_passwords.py)
    done = signup_client.get(response["Location"]).content.decode()
    assert "去登记" in done


def test_institution_needs_its_name(signup_client, send_code):
    code = send_code(signup_client, INSTITUTION, {"action": "send_code", "phone": PHONE}, E164)
    response = signup_client.post(INSTITUTION, form_data(code))
    assert response.status_code == 200
    assert "institution_name" in response.context["form"].errors
    assert not User.objects.filter(username="zhangsan").exists()
    response = signup_client.post(INSTITUTION, form_data(code, institution_name="北京示例软件有限公司"))
    assert response.status_code == 302
    user = User.objects.get(username="zhangsan")
    assert (user.kind, user.institution_name) == (User.Kind.INSTITUTION, "北京示例软件有限公司")


def test_phone_is_stored_encrypted_with_a_blind_index(signup_client, code):
    signup_client.post(DETAILS, form_data(code))
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE username = %s", ["zhangsan"])
        stored_phone, stored_index = cursor.fetchone()
    assert PHONE not in stored_phone and "13912345678" not in stored_index
    assert len(stored_index) == 64


@pytest.mark.parametrize("variant", ["139 1234 5678", "+86 139-1234-5678", "+8613912345678", "(139)12345678"])
def test_registered_phone_in_any_format_is_told_by_sms_and_gets_no_code(
    signup_client, variant, django_capture_on_commit_callbacks
):
    UserFactory(username="first", phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        response = signup_client.post(DETAILS, {"action": "send_code", "phone": variant})
    # The page answers as for a free number; the owner learns of the try, and gets no code.
    assert response.context["code_message"] == "验证码已发送至 139****5678，5分钟内有效。"
    (notice,) = outbox_messages(E164)
    assert "注册" in notice.body and not re.search(r"\d{6}", notice.body)


def test_registered_phone_fails_at_sign_up_like_a_wrong_code(signup_client, send_code):
    UserFactory(username="first", phone=PHONE)
    signup_client.post(DETAILS, {"action": "send_code", "phone": PHONE})
    response = signup_client.post(DETAILS, form_data("123456"))
    assert response.context["form"].errors == {"code": ["验证码不正确，请检查后重新输入。"]}
    assert User.objects.count() == 1


def test_duplicate_email_in_other_case_is_refused_and_nothing_is_created(signup_client, code):
    UserFactory(username="first", email="zhangsan@example.com")
    response = signup_client.post(DETAILS, form_data(code, email="ZHANGSAN@EXAMPLE.COM"))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["该邮箱已注册"]
    assert User.objects.count() == 1


def test_duplicate_error_says_nothing_about_the_other_account(signup_client, code):
    UserFactory(username="first", email="zhangsan@example.com")
    page = signup_client.post(DETAILS, form_data(code)).content.decode()
    assert "first" not in page


def test_duplicate_username_ignores_case(signup_client, code):
    UserFactory(username="ZhangSan")
    response = signup_client.post(DETAILS, form_data(code))
    assert response.context["form"].errors["username"] == ["该用户名已被使用"]


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short-9Aa", "12"), ("password1234", "常见"), ("123456789012345", "数字")],
)
def test_weak_password_is_refused(signup_client, code, password, fragment, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = signup_client.post(DETAILS, form_data(code, password=password, password_again=password))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["password"])
    assert fragment in errors
    assert not User.objects.filter(username="zhangsan").exists()


def test_password_confirmation_must_match(signup_client, code):
    response = signup_client.post(DETAILS, form_data(code, password_again="Something-Else-2026"))
    assert "password_again" in response.context["form"].errors


@pytest.mark.parametrize("phone", ["12345", "1231234567", "10012345678", "abcdefghijk", ""])
def test_malformed_phone_is_refused(signup_client, phone):
    response = signup_client.post(DETAILS, {"action": "send_code", "phone": phone})
    assert response.context["form"].phone_error
    assert outbox_messages().count() == 0


def test_wrong_code_is_refused(signup_client, code):
    wrong = "000000" if code != "000000" else "111111"
    response = signup_client.post(DETAILS, form_data(wrong))
    assert response.context["form"].errors["code"]
    assert not User.objects.exists()


def test_sign_up_consumes_the_code(signup_client, code):
    from ruanzhu.otp.models import Purpose
    from ruanzhu.otp.services import CodeRejected, code_verify

    assert signup_client.post(DETAILS, form_data(code)).status_code == 302
    with pytest.raises(CodeRejected):
        code_verify(phone=E164, purpose=Purpose.SIGNUP, code=code)


def test_code_for_another_purpose_is_refused(signup_client, db, django_capture_on_commit_callbacks):
    from ruanzhu.otp.models import Purpose
    from ruanzhu.otp.selectors import latest_code_in_outbox
    from ruanzhu.otp.services import code_send

    with django_capture_on_commit_callbacks(execute=True):
        code_send(phone=E164, purpose=Purpose.PASSWORD_RESET, subject="user:1")
    response = signup_client.post(DETAILS, form_data(latest_code_in_outbox(E164)))
    assert response.context["form"].errors["code"]
    assert not User.objects.exists()


def test_too_many_sends_are_refused_with_the_wait(signup_client, send_code):
    send_code(signup_client, DETAILS, {"action": "send_code", "phone": PHONE}, E164)
    response = signup_client.post(DETAILS, {"action": "send_code", "phone": PHONE})
    assert "后重试" in response.context["form"].phone_error
    assert outbox_messages(E164).count() == 1


@pytest.mark.parametrize("field", ["username", "email", "institution_name"])
def test_overlong_fields_are_refused(signup_client, send_code, field):
    code = send_code(signup_client, INSTITUTION, {"action": "send_code", "phone": PHONE}, E164)
    data = form_data(code, institution_name="示例公司")
    data[field] = "x" * 300 if field != "email" else "x" * 250 + "@example.com"
    response = signup_client.post(INSTITUTION, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_missing_csrf_token_is_refused(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("accounts:signup")).status_code == 403


def test_htmx_code_endpoint_answers_with_the_status_line(signup_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup_client.post(reverse("accounts:signup_code"), {"phone": PHONE})
    assert response.status_code == 200
    assert "139****5678" in response.content.decode()
    refused = signup_client.post(reverse("accounts:signup_code"), {"phone": "123"})
    assert refused.status_code == 400


def test_htmx_code_endpoint_needs_the_terms_and_post(client, db):
    assert client.post(reverse("accounts:signup_code"), {"phone": PHONE}).status_code == 400
    assert client.get(reverse("accounts:signup_code")).status_code == 405
    assert outbox_messages().count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_signups_with_one_phone_make_one_account(django_capture_on_commit_callbacks):
    """Two sign-ups racing with the same phone: the database decides, the loser gets the field error."""
    from unittest import mock

    barrier = threading.Barrier(2)
    outcomes = []
    real_check = services._taken_errors
    checked = threading.local()

    def check_then_wait(**kwargs):
        # Both sign-ups pass the duplicate check before either inserts: the race the constraint must decide.
        errors = real_check(**kwargs)
        if not getattr(checked, "done", False):
            checked.done = True
            barrier.wait(timeout=10)
        return errors

    def sign_up(index):
        try:
            services.user_signup(
                kind="individual",
                username=f"racer{index}",
                password="Lantern-Orchid-2026",
                phone=E164,
                code="123456",
                email=f"racer{index}@example.com",
            )
            outcomes.append("created")
        except Exception as error:  # the outcome is what the test inspects
            outcomes.append(error)
        finally:
            connection.close()

    with (
        mock.patch.object(services, "code_verify"),
        mock.patch.object(services, "_taken_errors", side_effect=check_then_wait),
    ):
        threads = [threading.Thread(target=sign_up, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes.count("created") == 1
    (error,) = [outcome for outcome in outcomes if outcome != "created"]
    assert error.message_dict == {"phone": ["该手机号已注册"]}
    assert User.objects.filter(phone_index__isnull=False).count() == 1
