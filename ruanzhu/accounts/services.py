"""Writing side of accounts: sign-up, login bookkeeping, password reset."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ruanzhu.accounts.models import User
from ruanzhu.core.phones import phone_index
from ruanzhu.notifications.services import notify
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.services import code_send, code_verify, sms_notice_send

PHONE_TAKEN = gettext_lazy("该手机号已注册")
EMAIL_TAKEN = gettext_lazy("该邮箱已注册")
USERNAME_TAKEN = gettext_lazy("该用户名已被使用")


def _taken_errors(*, username: str, email: str, phone: str) -> dict[str, str]:
    errors = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = USERNAME_TAKEN
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = EMAIL_TAKEN
    if User.objects.filter(phone_index=phone_index(phone)).exists():
        errors["phone"] = PHONE_TAKEN
    return errors


def _validate_password(password: str, *, user: User, field: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


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

    Raise ValidationError with field errors; on any error nothing is written and the code stays unused,
    except that a wrong code counts as a guess.
    """
    email = email.strip().lower()
    errors = _taken_errors(username=username, email=email, phone=phone)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    candidate = User(username=username, email=email, kind=kind, institution_name=institution_name)
    _validate_password(password, user=candidate, field="password")
    code_verify(phone=phone, purpose=Purpose.SIGNUP, code=code)
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


def user_login_failed(*, user: User) -> None:
    """Count a failed password for ``user`` and lock the account after ACCOUNT_LOCK_AFTER in a row."""
    User.objects.filter(pk=user.pk).update(failed_login_streak=F("failed_login_streak") + 1)
    User.objects.filter(
        pk=user.pk, failed_login_streak__gte=settings.ACCOUNT_LOCK_AFTER, locked_at__isnull=True
    ).update(locked_at=timezone.now())


def user_login_succeeded(*, user: User) -> None:
    """Reset the failure streak after a successful login."""
    if user.failed_login_streak:
        User.objects.filter(pk=user.pk).update(failed_login_streak=0)


def user_password_reset(*, user: User, code: str, new_password: str) -> User:
    """Set a new password after checking the SMS code sent to the account's phone; this also unlocks it."""
    _validate_password(new_password, user=user, field="new_password")
    # Outside the transaction below: a wrong guess must stay counted, not be rolled back with the error.
    code_verify(phone=user.phone, purpose=Purpose.PASSWORD_RESET, code=code, subject=f"user:{user.pk}")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(new_password)
        user.failed_login_streak = 0
        user.locked_at = None
        user.save(update_fields=["password", "failed_login_streak", "locked_at"])
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
    """Send a code to the new number after checking the password again; the number must be free."""
    if not user.check_password(password):
        raise ValidationError({"password": [_("密码不正确。")]})
    if new_phone == user.phone:
        raise ValidationError({"new_phone": [_("新手机号与当前手机号相同。")]})
    if User.objects.filter(phone_index=phone_index(new_phone)).exclude(pk=user.pk).exists():
        raise ValidationError({"new_phone": [PHONE_TAKEN]})
    code_send(phone=new_phone, purpose=Purpose.PHONE_CHANGE, subject=f"user:{user.pk}", ip=ip, account=user)


def user_phone_change(*, user: User, password: str, new_phone: str, code: str) -> User:
    """Move the account to a new number proven by its code, and tell the old number."""
    if not user.check_password(password):
        raise ValidationError({"password": [_("密码不正确。")]})
    # Outside the transaction: a wrong guess stays counted.
    code_verify(phone=new_phone, purpose=Purpose.PHONE_CHANGE, code=code, subject=f"user:{user.pk}")
    old_phone = user.phone
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            user.set_phone(new_phone)
            user.save(update_fields=["phone", "phone_index"])
    except IntegrityError:
        raise ValidationError({"new_phone": [PHONE_TAKEN]}) from None
    if old_phone:
        transaction.on_commit(
            lambda: sms_notice_send(
                phone=old_phone,
                body=_("您的账户 %(username)s 已将手机号更换为 %(phone)s。如非本人操作，请立即联系客服。")
                % {"username": user.username, "phone": user.masked_phone},
                account=user,
            ),
            robust=True,
        )
    notify(
        recipient=user,
        title=_("手机号已更换"),
        body=_("账户手机号已更换为 %(phone)s。") % {"phone": user.masked_phone},
        sms=False,
    )
    return user
