"""Writing side of accounts: sign-up, password reset, phone change.

A phone number's owner is never revealed to whoever types the number: asking for a sign-up, reset or phone
change code answers and counts the same whether an account has the number or not (see
otp.services.code_send_withheld), and the code then entered fails like a wrong one.
"""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from ruanzhu.accounts.models import User
from ruanzhu.accounts.selectors import user_find_by_phone, users_matching_ignoring_case
from ruanzhu.accounts.throttle import login_throttle_clear
from ruanzhu.core.phones import phone_index
from ruanzhu.notifications.messages import Text
from ruanzhu.notifications.services import notify
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.services import (
    CODE_WRONG,
    CodeRejected,
    code_send,
    code_send_withheld,
    code_verify,
    sms_notice_send,
)

PHONE_TAKEN = gettext_lazy("该手机号已注册")
EMAIL_TAKEN = gettext_lazy("该邮箱已注册")
USERNAME_TAKEN = gettext_lazy("该用户名已被使用")
SIGNUP_NOTICE = gettext_lazy(
    "有人尝试用您的手机号注册新账户。此号码已注册，未发送验证码，您可直接登录或找回密码。如非本人操作，请忽略。"
)
PHONE_CHANGE_NOTICE = gettext_lazy(
    "有人尝试将另一个账户的手机号更换为您的号码。此号码已注册，未发送验证码，您的账户不受影响。"
)


def _taken_errors(*, username: str, email: str, phone: str) -> dict[str, str]:
    errors = {}
    if users_matching_ignoring_case("username", username).exists():
        errors["username"] = USERNAME_TAKEN
    if users_matching_ignoring_case("email", email).exists():
        errors["email"] = EMAIL_TAKEN
    if User.objects.filter(phone_index=phone_index(phone)).exists():
        errors["phone"] = PHONE_TAKEN
    return errors


def _validate_password(password: str, *, user: User | None, field: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def signup_code_send(*, phone: str, ip: str | None) -> None:
    """Send a sign-up code to ``phone`` (E.164); a number that has an account gets a notice instead.

    Both count against the same send limits and look the same to the requester.
    """
    if user_find_by_phone(phone) is None:
        code_send(phone=phone, purpose=Purpose.SIGNUP, ip=ip)
        return
    code_send_withheld(phone=phone, purpose=Purpose.SIGNUP, ip=ip, notice=_owner_text(SIGNUP_NOTICE))


def user_signup(
    *,
    kind: str,
    username: str,
    password: str,
    phone: str,
    code: str,
    email: str,
    institution_name: str = "",
) -> User:
    """Create an account after checking the SMS code sent to ``phone`` (already E.164).

    Raise ValidationError with field errors or CodeRejected; on any error nothing is written and the code stays
    unused, except that a wrong code counts as a guess. A phone that already has an account fails like a wrong
    code: its code requests were answered as for a free number.
    """
    email = email.strip().lower()
    errors = _taken_errors(username=username, email=email, phone=phone)
    phone_taken = errors.pop("phone", None) is not None
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    candidate = User(username=username, email=email, kind=kind, institution_name=institution_name)
    _validate_password(password, user=candidate, field="password")
    _code_verify_or_refuse(phone=phone, purpose=Purpose.SIGNUP, code=code, refuse=phone_taken)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                username=username,
                email=email,
                password=password,
                phone=phone,
                kind=kind,
                institution_name=institution_name if kind == User.Kind.INSTITUTION else "",
            )
    except IntegrityError:
        # Another sign-up with the same phone, email or username committed between the check and the insert:
        # the unique constraints decide, and the loser gets the same field error as a sequential duplicate.
        errors = _taken_errors(username=username, email=email, phone=phone) or {"phone": PHONE_TAKEN}
        raise ValidationError({field: [message] for field, message in errors.items()}) from None


def password_reset_code_send(*, phone: str, ip: str | None) -> None:
    """Send a reset code to the account with this phone; for a number no account has, count it and send nothing."""
    user = user_find_by_phone(phone)
    if user is None:
        code_send_withheld(phone=phone, purpose=Purpose.PASSWORD_RESET, ip=ip)
        return
    code_send(phone=phone, purpose=Purpose.PASSWORD_RESET, subject=_reset_subject(user), ip=ip)


def user_password_reset(*, phone: str, code: str, new_password: str) -> User:
    """Set a new password after checking the code sent to ``phone``; this also ends the account's login wait.

    The new password is compared with the account's own details (its username, its email) only once the code
    has proven the number: before that, no answer may depend on whose number it is. A refusal at that point
    rolls the use of the code back, so that the code stays good for a better password.
    """
    _validate_password(new_password, user=None, field="new_password")
    user = user_find_by_phone(phone)
    if user is None:
        _code_verify_or_refuse(phone=phone, purpose=Purpose.PASSWORD_RESET, code=code, refuse=True)
    rejection = None
    with transaction.atomic():
        try:
            code_verify(phone=phone, purpose=Purpose.PASSWORD_RESET, code=code, subject=_reset_subject(user))
        except CodeRejected as error:
            rejection = error  # leave the block normally: the counted guess must be kept
        else:
            user = User.objects.select_for_update().get(pk=user.pk)
            _validate_password(new_password, user=user, field="new_password")
            user.set_password(new_password)
            user.save(update_fields=["password"])
            login_throttle_clear(account=user)
    if rejection is not None:
        raise rejection
    return user


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Change the password after checking the old one."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ValidationError({"old_password": [_("原密码不正确。")]})
    _validate_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def phone_change_send_code(*, user: User, password: str, new_phone: str, ip: str | None = None) -> None:
    """Send a code to the new number after checking the password again.

    A number that already has an account gets a notice instead, answered and counted alike; the change then
    fails like a wrong code (see user_phone_change).
    """
    if not user.check_password(password):
        raise ValidationError({"password": [_("密码不正确。")]})
    if new_phone == user.phone:
        raise ValidationError({"new_phone": [_("新手机号与当前手机号相同。")]})
    binding = {"phone": new_phone, "purpose": Purpose.PHONE_CHANGE, "subject": f"user:{user.pk}"}
    if user_find_by_phone(new_phone) is None:
        code_send(**binding, ip=ip, account=user)
    else:
        # Answered like a free number, so that changing the phone is no way to learn whose a number is.
        code_send_withheld(**binding, ip=ip, account=user, notice=_owner_text(PHONE_CHANGE_NOTICE))


def user_phone_change(*, user: User, password: str, new_phone: str, code: str) -> User:
    """Move the account to a new number proven by its code, and tell the old number."""
    if not user.check_password(password):
        raise ValidationError({"password": [_("密码不正确。")]})
    # Outside the transaction: a wrong guess stays counted.
    _code_verify_or_refuse(
        phone=new_phone,
        purpose=Purpose.PHONE_CHANGE,
        code=code,
        subject=f"user:{user.pk}",
        refuse=user_find_by_phone(new_phone) is not None,
    )
    old_phone = user.phone
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            user.set_phone(new_phone)
            user.save(update_fields=["phone", "phone_index"])
            # Queued with the change itself: the old number is told if and only if the change commits.
            if old_phone:
                sms_notice_send(
                    phone=old_phone,
                    body=_("您的账户 %(username)s 已将手机号更换为 %(phone)s。如非本人操作，请立即联系客服。")
                    % {"username": user.username, "phone": user.masked_phone},
                    account=user,
                )
            notify(
                recipient=user,
                title=Text(gettext_noop("手机号已更换")),
                body=Text(gettext_noop("账户手机号已更换为 %(phone)s。"), phone=user.masked_phone),
                sms=False,
            )
    except IntegrityError:
        raise ValidationError({"new_phone": [PHONE_TAKEN]}) from None
    return user


def _reset_subject(user: User | None) -> str:
    return f"user:{user.pk}" if user is not None else ""


def _code_verify_or_refuse(*, phone: str, purpose: str, code: str, refuse: bool, subject: str = "") -> None:
    """Check a code as code_verify does; when ``refuse``, fail as a wrong code would even if it matched.

    For a number whose code was withheld (code_send_withheld): nobody can know it, but the check still runs so
    that guesses count and use the code up exactly as they would a real one.
    """
    code_verify(phone=phone, purpose=purpose, code=code, subject=subject)
    if refuse:
        raise CodeRejected(str(CODE_WRONG))


def _owner_text(text) -> str:
    # A notice to the number's owner, in the site's language: the requester's choice says nothing about theirs.
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)
