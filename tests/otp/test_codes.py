import pytest
from django.db import connection

from ruanzhu.otp.models import OneTimeCode, Purpose, SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox
from ruanzhu.otp.services import CodeRejected, code_send, code_verify
from tests.otp.conftest import OTHER_PHONE

pytestmark = pytest.mark.django_db

WRONG = "验证码不正确，请检查后重新输入。"
EXPIRED = "验证码已过期，请重新获取。"
EXHAUSTED = "验证码输错次数过多，已失效，请重新获取。"


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_sent_code_verifies_and_is_consumed(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)

    code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)

    stored = OneTimeCode.objects.get()
    assert stored.status == OneTimeCode.Status.USED
    assert stored.used_at is not None


def test_code_is_six_digits(send_now, phone):
    send_now(phone=phone, purpose="signup")
    code = latest_code_in_outbox(phone)
    assert len(code) == 6 and code.isdigit()


def test_used_code_cannot_be_used_again(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)
    code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)

    with pytest.raises(CodeRejected) as rejected:
        code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)
    assert rejected.value.message == WRONG


def test_wrong_code_is_refused_and_counted(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)

    with pytest.raises(CodeRejected) as rejected:
        code_verify(phone=phone, purpose=Purpose.SIGNUP, code=other_than(code))

    assert rejected.value.message == WRONG
    stored = OneTimeCode.objects.get()
    assert stored.failed_attempts == 1
    assert stored.status == OneTimeCode.Status.ACTIVE
    code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)


def test_malformed_code_is_a_wrong_guess(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)

    with pytest.raises(CodeRejected) as rejected:
        code_verify(phone=phone, purpose=Purpose.SIGNUP, code="12a")

    assert rejected.value.message == WRONG
    assert OneTimeCode.objects.get().failed_attempts == 1


def test_code_expires_after_ttl(send_now, phone, clock, settings):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)

    clock.advance(settings.OTP_CODE_TTL_SECONDS)

    with pytest.raises(CodeRejected) as rejected:
        code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)
    assert rejected.value.message == EXPIRED


def test_code_still_works_just_before_expiry(send_now, phone, clock, settings):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)

    clock.advance(settings.OTP_CODE_TTL_SECONDS - 1)

    code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)
    assert OneTimeCode.objects.get().status == OneTimeCode.Status.USED


def test_fifth_wrong_guess_kills_the_code(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)
    wrong = other_than(code)

    messages = []
    for _ in range(5):
        with pytest.raises(CodeRejected) as rejected:
            code_verify(phone=phone, purpose=Purpose.SIGNUP, code=wrong)
        messages.append(rejected.value.message)

    assert messages == [WRONG] * 4 + [EXHAUSTED]
    with pytest.raises(CodeRejected) as rejected:
        code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)
    assert rejected.value.message == EXHAUSTED
    assert OneTimeCode.objects.get().status == OneTimeCode.Status.EXHAUSTED


def test_max_attempts_is_configurable(send_now, phone, settings):
    settings.OTP_CODE_MAX_ATTEMPTS = 2
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)

    for expected in (WRONG, EXHAUSTED):
        with pytest.raises(CodeRejected) as rejected:
            code_verify(phone=phone, purpose=Purpose.SIGNUP, code=other_than(code))
        assert rejected.value.message == expected


def test_code_for_other_purpose_looks_like_a_wrong_code(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)

    with pytest.raises(CodeRejected) as rejected:
        code_verify(phone=phone, purpose=Purpose.PASSWORD_RESET, code=code)

    assert rejected.value.message == WRONG
    assert OneTimeCode.objects.get().status == OneTimeCode.Status.ACTIVE


def test_code_for_other_filing_is_refused(send_now, phone):
    send_now(phone=phone, purpose=Purpose.FILING_CONFIRM, subject="filing:41")
    code = latest_code_in_outbox(phone)

    with pytest.raises(CodeRejected) as rejected:
        code_verify(phone=phone, purpose=Purpose.FILING_CONFIRM, subject="filing:42", code=code)
    assert rejected.value.message == WRONG

    code_verify(phone=phone, purpose=Purpose.FILING_CONFIRM, subject="filing:41", code=code)


def test_code_for_other_phone_is_refused(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)

    with pytest.raises(CodeRejected):
        code_verify(phone=OTHER_PHONE, purpose=Purpose.SIGNUP, code=code)


def test_new_code_voids_the_previous_one(send_now, phone, clock):
    send_now(phone=phone, purpose=Purpose.PHONE_CHANGE)
    first = latest_code_in_outbox(phone)
    clock.advance(61)
    send_now(phone=phone, purpose=Purpose.PHONE_CHANGE)
    second = latest_code_in_outbox(phone)

    if first != second:
        with pytest.raises(CodeRejected):
            code_verify(phone=phone, purpose=Purpose.PHONE_CHANGE, code=first)
    code_verify(phone=phone, purpose=Purpose.PHONE_CHANGE, code=second)

    statuses = list(OneTimeCode.objects.order_by("created_at").values_list("status", flat=True))
    assert statuses == [OneTimeCode.Status.VOIDED, OneTimeCode.Status.USED]


def test_new_code_for_other_subject_leaves_the_first_alive(send_now, phone, clock):
    send_now(phone=phone, purpose=Purpose.FILING_CONFIRM, subject="filing:41")
    code_a = latest_code_in_outbox(phone)
    clock.advance(61)
    send_now(phone=phone, purpose=Purpose.FILING_CONFIRM, subject="filing:42")

    code_verify(phone=phone, purpose=Purpose.FILING_CONFIRM, subject="filing:41", code=code_a)


def test_database_never_holds_the_code_in_clear(send_now, phone):
    send_now(phone=phone, purpose=Purpose.SIGNUP)
    code = latest_code_in_outbox(phone)
    tables = [OneTimeCode._meta.db_table, SmsMessage._meta.db_table]

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from model metadata
            for row in cursor.fetchall():
                assert not any(code in str(value) for value in row)
                assert not any(phone.lstrip("+") in str(value) for value in row)
    stored = OneTimeCode.objects.get()
    assert len(stored.code_hash) == 64
    assert stored.code_hash != code


def test_unknown_purpose_is_a_programming_error(phone):
    with pytest.raises(ValueError):
        code_send(phone=phone, purpose="newsletter")


def test_phone_must_be_normalised(db):
    with pytest.raises(ValueError):
        code_send(phone="138 0013 8000", purpose=Purpose.SIGNUP)


def test_queued_message_holds_the_code_only_encrypted(phone, monkeypatch):
    monkeypatch.setattr("ruanzhu.otp.services.secrets.randbelow", lambda upper: 482916)

    code_send(phone=phone, purpose=Purpose.SIGNUP)

    assert "482916" in SmsMessage.objects.get().body
    with connection.cursor() as cursor:
        for table in (OneTimeCode._meta.db_table, SmsMessage._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from model metadata
            rows = cursor.fetchall()
            assert rows
            assert not any("482916" in str(value) for row in rows for value in row)


def test_admin_never_shows_code_hash_or_message_body(rf, admin_user):
    from django.contrib import admin

    from ruanzhu.otp.models import OutboxMessage

    request = rf.get("/")
    request.user = admin_user
    for model in (OneTimeCode, SmsMessage, OutboxMessage):
        model_admin = admin.site._registry[model]
        shown = set(model_admin.get_fields(request)) | set(model_admin.get_list_display(request))
        assert not shown & {"code_hash", "body", "phone", "phone_index"}
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_delete_permission(request)
