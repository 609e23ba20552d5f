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
from ruanzhu.accounts.phones import phone_index
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.services import code_verify

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
