"""A withheld send: limited and counted like a code, guessed at like a code, but no code ever leaves."""

import pytest

from ruanzhu.otp.models import OneTimeCode, Purpose, SendBudgetDay, SmsMessage
from ruanzhu.otp.selectors import outbox_messages
from ruanzhu.otp.services import CodeRejected, SendRefused, code_send, code_send_withheld, code_verify

pytestmark = pytest.mark.django_db


def test_a_withheld_send_delivers_nothing_and_keeps_no_number(phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code_send_withheld(phone=phone, purpose=Purpose.PASSWORD_RESET, ip="203.0.113.1")
    message = SmsMessage.objects.get()
    assert (message.status, message.phone, message.body) == (SmsMessage.Status.WITHHELD, "", "")
    assert outbox_messages().count() == 0
    assert SendBudgetDay.objects.get().sent == 0  # the budget counts what goes out


def test_a_withheld_notice_goes_out_without_the_code(phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code_send_withheld(phone=phone, purpose=Purpose.SIGNUP, notice="有人尝试用您的手机号注册。")
    assert [message.body for message in outbox_messages(phone)] == ["有人尝试用您的手机号注册。"]
    assert SendBudgetDay.objects.get().sent == 1


def test_a_withheld_send_counts_against_the_same_limits(phone, clock):
    code_send_withheld(phone=phone, purpose=Purpose.SIGNUP)
    with pytest.raises(SendRefused):
        code_send(phone=phone, purpose=Purpose.SIGNUP)
    clock.advance(60)
    code_send(phone=phone, purpose=Purpose.SIGNUP)
    with pytest.raises(SendRefused):
        code_send_withheld(phone=phone, purpose=Purpose.SIGNUP)


def test_guesses_at_a_withheld_code_use_it_up_like_any_other(phone, settings):
    code_send_withheld(phone=phone, purpose=Purpose.SIGNUP)
    messages = []
    for _ in range(settings.OTP_CODE_MAX_ATTEMPTS):
        with pytest.raises(CodeRejected) as rejected:
            code_verify(phone=phone, purpose=Purpose.SIGNUP, code="000000")
        messages.append(rejected.value.message)
    assert messages[-1] == "验证码输错次数过多，已失效，请重新获取。"
    assert OneTimeCode.objects.get().status == OneTimeCode.Status.EXHAUSTED
