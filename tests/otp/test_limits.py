import pytest
from django.core.exceptions import ImproperlyConfigured

from ruanzhu.otp.limits import format_wait, parse_rules
from ruanzhu.otp.models import Purpose, SendBudgetDay, SmsMessage
from ruanzhu.otp.services import SendRefused, code_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def phones():
    """Yield distinct valid numbers, for limits that are not per phone."""
    for n in range(100):
        yield f"+861370000{n:04d}"


def send(phone, **kwargs):
    code_send(phone=phone, purpose=Purpose.SIGNUP, **kwargs)


def test_second_send_within_a_minute_waits_for_the_rest_of_it(phone, clock):
    send(phone)
    clock.advance(15)

    with pytest.raises(SendRefused) as refused:
        send(phone)

    assert refused.value.retry_after == 45
    assert refused.value.message == "发送过于频繁，请在45秒后重试。"
    assert SmsMessage.objects.count() == 1


def test_send_after_a_minute_is_allowed(phone, clock):
    send(phone)
    clock.advance(60)

    send(phone)

    assert SmsMessage.objects.count() == 2


def test_sixth_send_in_an_hour_waits_until_the_first_leaves_the_hour(phone, clock):
    for _ in range(5):
        send(phone)
        clock.advance(61)
    # Now 305 s after the first send.

    with pytest.raises(SendRefused) as refused:
        send(phone)

    assert refused.value.retry_after == 3600 - 305
    assert "55分钟" in refused.value.message


def test_eleventh_send_in_a_day_waits_until_the_first_leaves_the_day(phone, clock):
    for _hour in range(2):
        for _ in range(5):
            send(phone)
            clock.advance(61)
        clock.advance(3600 - 5 * 61)
    # Now 7200 s after the first send: the hourly window holds 4 sends, the daily one 10.

    with pytest.raises(SendRefused) as refused:
        send(phone)

    assert refused.value.retry_after == 86400 - 7200
    assert refused.value.message == "发送过于频繁，请在22小时后重试。"


def test_limits_of_one_phone_do_not_touch_another(phone, clock):
    send(phone)
    send("+8613900139000")
    assert SmsMessage.objects.count() == 2


def test_send_limit_per_ip(settings, clock):
    settings.OTP_SEND_LIMITS_PER_IP = "2/3600"
    numbers = phones()
    send(next(numbers), ip="203.0.113.7")
    clock.advance(10)
    send(next(numbers), ip="203.0.113.7")
    clock.advance(10)

    with pytest.raises(SendRefused) as refused:
        send(next(numbers), ip="203.0.113.7")
    send(next(numbers), ip="198.51.100.1")

    assert refused.value.retry_after == 3600 - 20
    assert refused.value.message == "当前网络发送验证码过于频繁，请在1小时后重试。"


def test_ip_is_stored_only_as_blind_index(clock):
    send("+8613700000001", ip="203.0.113.7")
    message = SmsMessage.objects.get()
    assert message.ip_index and "203.0.113.7" not in message.ip_index


def test_send_limit_per_account(settings, clock):
    settings.OTP_SEND_LIMITS_PER_ACCOUNT = "2/86400"
    account = UserFactory()
    other = UserFactory()
    numbers = phones()
    send(next(numbers), account=account)
    clock.advance(3600)
    send(next(numbers), account=account)

    with pytest.raises(SendRefused) as refused:
        send(next(numbers), account=account)
    send(next(numbers), account=other)

    assert refused.value.retry_after == 86400 - 3600
    assert refused.value.message == "您的账户发送验证码过于频繁，请在23小时后重试。"


def test_an_office_is_held_to_its_own_limits_instead_of_a_persons(settings, clock):
    """An agent sending its clients' codes: neither one person's account limit nor the address's applies."""
    settings.OTP_SEND_LIMITS_PER_ACCOUNT = settings.OTP_SEND_LIMITS_PER_IP = "1/86400"
    settings.OTP_SEND_LIMITS_PER_OFFICE = "3/86400"
    office = UserFactory()
    numbers = phones()
    for _ in range(3):
        send(next(numbers), account=office, ip="203.0.113.7", office=True)

    with pytest.raises(SendRefused) as refused:
        send(next(numbers), account=office, ip="203.0.113.7", office=True)
    assert refused.value.message.startswith("您的账户发送验证码过于频繁")
    # The same account sending as a person is held to a person's limits.
    with pytest.raises(SendRefused):
        send(next(numbers), account=office, ip="198.51.100.9")


def test_an_office_is_still_held_to_each_phones_limits(phone, settings, clock):
    settings.OTP_SEND_LIMITS_PER_OFFICE = "100/86400"
    office = UserFactory()
    send(phone, account=office, office=True)
    with pytest.raises(SendRefused) as refused:
        send(phone, account=office, office=True)
    assert refused.value.message == "发送过于频繁，请在1分钟后重试。"


def test_longest_wait_of_all_broken_limits_is_reported(settings, phone, clock):
    settings.OTP_SEND_LIMITS_PER_IP = "1/600"
    send(phone, ip="203.0.113.7")
    clock.advance(30)

    with pytest.raises(SendRefused) as refused:
        send(phone, ip="203.0.113.7")

    assert refused.value.retry_after == 570


def test_daily_budget_stops_sending_until_midnight(settings, clock):
    settings.OTP_DAILY_BUDGET = 2
    numbers = phones()
    send(next(numbers))
    send(next(numbers))

    with pytest.raises(SendRefused) as refused:
        send(next(numbers))

    # The clock stands at 12:00 local time.
    assert refused.value.retry_after == 12 * 3600
    assert refused.value.message == "今日短信发送量已达上限，请在12小时后重试。"
    assert SendBudgetDay.objects.get().sent == 2


def test_daily_budget_starts_over_the_next_day(settings, clock):
    settings.OTP_DAILY_BUDGET = 1
    numbers = phones()
    send(next(numbers))
    clock.advance(12 * 3600)

    send(next(numbers))

    assert SendBudgetDay.objects.count() == 2


def test_refused_send_issues_no_code_and_spends_no_budget(phone, clock):
    send(phone)
    with pytest.raises(SendRefused):
        send(phone)
    assert SendBudgetDay.objects.get().sent == 1
    assert SmsMessage.objects.count() == 1


def test_limit_setting_is_parsed():
    rules = parse_rules("1/60, 5/3600", setting="OTP_SEND_LIMITS_PER_PHONE")
    assert [(rule.count, rule.seconds) for rule in rules] == [(1, 60), (5, 3600)]


@pytest.mark.parametrize("text", ["1-60", "x/60", "0/60", "5/"])
def test_bad_limit_setting_names_the_variable(text):
    with pytest.raises(ImproperlyConfigured, match="OTP_SEND_LIMITS_PER_IP"):
        parse_rules(text, setting="OTP_SEND_LIMITS_PER_IP")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1秒"), (59, "59秒"), (60, "1分钟"), (61, "2分钟"), (3600, "1小时"), (3660, "1小时1分钟")],
)
def test_wait_is_rounded_up_for_display(seconds, text):
    assert format_wait(seconds) == text
