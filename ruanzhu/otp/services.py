"""Issue, send and check one-time codes.

Other apps call ``code_send`` (or ``code_send_withheld``), ``code_verify`` and ``sms_notice_send``. Codes are
bound to (phone, purpose, subject), stored as an HMAC under ``OTP_HMAC_KEY`` and delivered after the commit by
``sms_deliver_task``, queued through the outbox in the transaction that issues them.
"""

import hashlib
import hmac
import logging
import math
import re
import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.crypto import blind_index
from ruanzhu.core.errors import ApplicationError
from ruanzhu.core.outbox import outbox_enqueue
from ruanzhu.core.phones import phone_index
from ruanzhu.otp.limits import format_wait, rules_from_settings
from ruanzhu.otp.models import OneTimeCode, OutboxMessage, Purpose, SendBudgetDay, SmsMessage
from ruanzhu.otp.tasks import sms_deliver_task

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CODE_FORMAT = re.compile(r"^\d{6}$")
IP_INDEX_PURPOSE = "otp-send-ip"
SUBJECT_MAX_LENGTH = 100
# A message with Chinese in it travels as UCS-2: 70 characters fit one SMS segment.
SMS_SEGMENT_LENGTH = 70
# A segment of plain GSM text (an English message): the names in it may still make it longer.
GSM_SEGMENT_LENGTH = 160

CODE_WRONG = _("验证码不正确，请检查后重新输入。")
CODE_EXPIRED = _("验证码已过期，请重新获取。")
CODE_EXHAUSTED = _("验证码输错次数过多，已失效，请重新获取。")


class SendRefused(ApplicationError):
    """A code was not sent; ``message`` tells the user why and ``retry_after`` how many seconds to wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CodeRejected(ApplicationError):
    """A code did not verify; ``message`` is safe to show to the user."""


def code_send(
    *,
    phone: str,
    purpose: str,
    subject: str = "",
    ip: str | None = None,
    account=None,
    about: str = "",
    office: bool = False,
) -> None:
    """Issue a new code for (phone, purpose, subject), void the previous one, and send it after the commit.

    ``about`` says what the code approves ("张三申请对《…》出申请表（R11）"), so that its reader knows; keep it
    within ``code_about_room()`` characters for the message to fit one SMS segment. ``office``: ``account`` is
    an agent (代理机构) sending its clients' codes, one office for many clients: its sends are counted against
    OTP_SEND_LIMITS_PER_OFFICE rather than the per-account and per-address limits of a person; each phone's own
    limits hold as for anyone.
    """
    purpose = Purpose(purpose)
    _code_issue(
        phone=phone,
        purpose=purpose,
        subject=subject,
        ip=ip,
        account=account,
        body=lambda code: code_message(code=code, purpose=purpose, about=about),
        office=office,
    )


def code_send_withheld(
    *, phone: str, purpose: str, subject: str = "", ip: str | None = None, account=None, notice: str = ""
) -> None:
    """Answer a code request exactly as code_send would, except that nobody ever learns the code.

    For a number that must not get a code while the requester must not learn why (an account already has the
    number, or none has): the same limits refuse and count the request, and a live code is issued so that
    guesses at it count and use it up as usual; the number gets ``notice`` instead of the code, or nothing.
    """
    _code_issue(
        phone=phone,
        purpose=Purpose(purpose),
        subject=subject,
        ip=ip,
        account=account,
        body=lambda code: notice,
    )


def _code_issue(
    *, phone: str, purpose: Purpose, subject: str, ip: str | None, account, body, office: bool = False
) -> None:
    if purpose == Purpose.NOTICE:
        raise ValueError("notices carry no code: use sms_notice_send")
    _check_binding(phone=phone, subject=subject)
    index = phone_index(phone)
    ip_index = blind_index(ip, purpose=IP_INDEX_PURPOSE) if ip else ""
    with transaction.atomic():
        now = timezone.now()
        budget_day = _lock_budget_day(now)
        _enforce_limits(
            now=now,
            budget_day=budget_day,
            phone_index=index,
            ip_index=ip_index,
            account=account,
            office=office,
        )

        code = f"{secrets.randbelow(10**6):06d}"
        OneTimeCode.objects.filter(
            phone_index=index, purpose=purpose, subject=subject, status=OneTimeCode.Status.ACTIVE
        ).update(status=OneTimeCode.Status.VOIDED)
        OneTimeCode.objects.create(
            phone_index=index,
            purpose=purpose,
            subject=subject,
            code_hash=_code_hash(code, phone_index=index, purpose=purpose, subject=subject),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_CODE_TTL_SECONDS),
        )
        text = body(code)
        message = SmsMessage.objects.create(
            # A withheld send keeps only the blind index: it is there to be counted, not delivered.
            phone=phone if text else "",
            phone_index=index,
            body=text,
            purpose=purpose,
            ip_index=ip_index,
            account=account if account is not None and account.pk else None,
            status=SmsMessage.Status.QUEUED if text else SmsMessage.Status.WITHHELD,
            created_at=now,
        )
        # The budget counts what goes out; a withheld send still runs the same statement and queues the same
        # task (which finds nothing to deliver), so that it takes as long as a real one.
        SendBudgetDay.objects.filter(pk=budget_day.pk).update(sent=F("sent") + (1 if text else 0))
        # Queued in this transaction and published after the commit: a rolled-back request sends nothing, a
        # committed one is delivered even if the publish fails (see ruanzhu.core.outbox).
        outbox_enqueue(task=sms_deliver_task, args=[message.pk])
    logger.info("otp code issued: purpose=%s message=%s", purpose.value, message.pk)


def sms_notice_send(*, phone: str, body: str, account=None) -> SmsMessage | None:
    """Send a status notice (no code) after the commit; return None when today's budget is spent."""
    _check_binding(phone=phone, subject="")
    with transaction.atomic():
        now = timezone.now()
        budget_day = _lock_budget_day(now)
        if budget_day.sent >= settings.OTP_DAILY_BUDGET:
            # The in-site message and the email still reach the account; only the SMS copy is dropped.
            logger.warning("sms notice dropped: daily budget spent")
            return None
        message = SmsMessage.objects.create(
            phone=phone,
            phone_index=phone_index(phone),
            body=body[:300],
            purpose=Purpose.NOTICE,
            account=account if account is not None and account.pk else None,
            created_at=now,
        )
        SendBudgetDay.objects.filter(pk=budget_day.pk).update(sent=F("sent") + 1)
        outbox_enqueue(task=sms_deliver_task, args=[message.pk])
    return message


def code_verify(*, phone: str, purpose: str, code: str, subject: str = "") -> None:
    """Consume the code issued for (phone, purpose, subject) if ``code`` matches it; raise CodeRejected otherwise.

    A wrong guess is counted in the database: call this outside your own transaction, or catch CodeRejected
    inside it, so that rolling back does not forget the guess.
    """
    purpose = Purpose(purpose)
    refusal = _code_check(phone_index=phone_index(phone), purpose=purpose, subject=subject, code=code)
    if refusal is not None:
        logger.info("otp code rejected: purpose=%s", purpose.value)
        raise CodeRejected(str(refusal))


def outbox_clear() -> int:
    """Empty the development outbox; return how many messages were removed."""
    deleted, _by_model = OutboxMessage.objects.all().delete()
    return deleted


def _check_binding(*, phone: str, subject: str) -> None:
    # Programming errors, not user input: a number that is not normalised would get another blind index and
    # silently never match.
    if not E164.match(phone or ""):
        raise ValueError("phone must be normalised to E.164 (see ruanzhu.core.phones.normalize_phone)")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValueError(f"subject is longer than {SUBJECT_MAX_LENGTH} characters")


def _code_hash(code: str, *, phone_index: str, purpose: str, subject: str) -> str:
    # The binding is part of the MAC, so a hash copied to another row would not match there either.
    message = f"{phone_index}\x00{purpose}\x00{subject}\x00{code}".encode()
    return hmac.new(settings.OTP_HMAC_KEY.encode("utf-8"), message, hashlib.sha256).hexdigest()


def code_message(*, code: str, purpose: Purpose, about: str = "") -> str:
    """Return the text of the SMS carrying ``code``: what it approves when ``about`` says so."""
    minutes = max(1, settings.OTP_CODE_TTL_SECONDS // 60)
    if about:
        return gettext("【软著】%(about)s，验证码%(code)s，%(minutes)d分钟内有效。非本人操作请忽略。") % {
            "about": about,
            "code": code,
            "minutes": minutes,
        }
    return gettext("您的验证码为%(code)s，用于%(purpose)s，%(minutes)d分钟内有效。请勿泄露给他人。") % {
        "code": code,
        "purpose": purpose.label,
        "minutes": minutes,
    }


def code_about_room(purpose: Purpose) -> int:
    """Return how many characters ``about`` may have for the code's message to fit one SMS segment.

    A segment holds 70 characters of a text with Chinese in it (UCS-2) and 160 of plain GSM text.
    """
    skeleton = code_message(code="0" * 6, purpose=purpose, about="-")
    segment = (
        SMS_SEGMENT_LENGTH if any(ord(character) > 0x7F for character in skeleton) else GSM_SEGMENT_LENGTH
    )
    return segment - len(skeleton) + 1


def _lock_budget_day(now: datetime) -> SendBudgetDay:
    # Every send locks today's row. That serialises the check-then-insert of all sends on PostgreSQL (on
    # SQLite, IMMEDIATE transactions already hold the write lock from BEGIN), so two concurrent requests
    # cannot both pass a limit that only one of them may pass. SMS volume is low enough for one lock.
    today = timezone.localdate(now)
    locked = SendBudgetDay.objects.select_for_update().filter(day=today).first()
    if locked is not None:
        return locked
    # The day's first send creates the row (another request may create it first: get_or_create copes).
    SendBudgetDay.objects.get_or_create(day=today)
    return SendBudgetDay.objects.select_for_update().get(day=today)


def _enforce_limits(
    *,
    now: datetime,
    budget_day: SendBudgetDay,
    phone_index: str,
    ip_index: str,
    account,
    office: bool = False,
) -> None:
    if budget_day.sent >= settings.OTP_DAILY_BUDGET:
        tomorrow = timezone.localtime(now).date() + timedelta(days=1)
        midnight = timezone.make_aware(datetime.combine(tomorrow, time.min))
        wait = _seconds_until(midnight, now)
        raise SendRefused(
            gettext("今日短信发送量已达上限，请在%(wait)s后重试。") % {"wait": format_wait(wait)},
            retry_after=wait,
        )
    scopes = [
        ("OTP_SEND_LIMITS_PER_PHONE", {"phone_index": phone_index}, _("发送过于频繁，请在%(wait)s后重试。")),
    ]
    if ip_index and not office:
        scopes.append(
            (
                "OTP_SEND_LIMITS_PER_IP",
                {"ip_index": ip_index},
                _("当前网络发送验证码过于频繁，请在%(wait)s后重试。"),
            )
        )
    if account is not None and account.pk:
        scopes.append(
            (
                "OTP_SEND_LIMITS_PER_OFFICE" if office else "OTP_SEND_LIMITS_PER_ACCOUNT",
                {"account": account},
                _("您的账户发送验证码过于频繁，请在%(wait)s后重试。"),
            )
        )
    worst: tuple[int, str] | None = None
    for setting, lookup, template in scopes:
        rules = rules_from_settings(setting)
        if not rules:
            continue
        # One query per scope: the most recent sends within its widest window, newest first. A rule is broken
        # when its rule.count-th most recent send is still inside its window; the wait is until that send
        # leaves it. The sends inside a narrower window are a prefix of these.
        widest = max(rule.seconds for rule in rules)
        recent = list(
            SmsMessage.objects.filter(**lookup, created_at__gt=now - timedelta(seconds=widest))
            .exclude(purpose=Purpose.NOTICE)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[: max(rule.count for rule in rules)]
        )
        for rule in rules:
            if len(recent) < rule.count:
                continue
            oldest_counted = recent[rule.count - 1]
            if oldest_counted <= now - timedelta(seconds=rule.seconds):
                continue
            wait = _seconds_until(oldest_counted + timedelta(seconds=rule.seconds), now)
            if worst is None or wait > worst[0]:
                worst = (wait, template)
    if worst is not None:
        wait, template = worst
        raise SendRefused(str(template) % {"wait": format_wait(wait)}, retry_after=wait)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


@transaction.atomic
def _code_check(*, phone_index: str, purpose: Purpose, subject: str, code: str):
    """Return None if ``code`` consumes the live code of the binding, else the refusal to show."""
    latest = (
        OneTimeCode.objects.select_for_update()
        .filter(phone_index=phone_index, purpose=purpose, subject=subject)
        .order_by("-created_at", "-pk")
        .first()
    )
    # No code, a used one, or one for another binding: all look like a wrong code, revealing nothing more.
    if latest is None or latest.status in (OneTimeCode.Status.USED, OneTimeCode.Status.VOIDED):
        return CODE_WRONG
    if latest.status == OneTimeCode.Status.EXHAUSTED:
        return CODE_EXHAUSTED
    now = timezone.now()
    if latest.is_expired(now):
        return CODE_EXPIRED
    candidate = (code or "").strip()
    expected = latest.code_hash
    if CODE_FORMAT.match(candidate) and hmac.compare_digest(
        _code_hash(candidate, phone_index=phone_index, purpose=purpose, subject=subject), expected
    ):
        latest.status = OneTimeCode.Status.USED
        latest.used_at = now
        latest.save(update_fields=["status", "used_at"])
        return None
    latest.failed_attempts += 1
    if latest.failed_attempts >= settings.OTP_CODE_MAX_ATTEMPTS:
        latest.status = OneTimeCode.Status.EXHAUSTED
        latest.save(update_fields=["failed_attempts", "status"])
        return CODE_EXHAUSTED
    latest.save(update_fields=["failed_attempts"])
    return CODE_WRONG
