from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.fields import EncryptedTextField
from ruanzhu.core.masking import mask_phone
from ruanzhu.core.phones import normalize_phone, phone_index


class AccountManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):
        phone = extra_fields.pop("phone", None)
        user = self.model(username=username, email=self.normalize_email(email or "").lower(), **extra_fields)
        if phone:
            user.set_phone(phone)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: an individual (个人) or an institution (机构) whose user is its administrator, or staff."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("个人")
        INSTITUTION = "institution", _("机构")

    class IdentityStatus(models.TextChoices):
        UNVERIFIED = "unverified", _("未实名认证")
        PENDING = "pending", _("实名认证审核中")
        REJECTED = "rejected", _("实名认证未通过")
        VERIFIED = "verified", _("已实名认证")

    username_validator = UnicodeUsernameValidator()

    username = models.CharField(
        _("用户名"),
        max_length=30,
        unique=True,
        validators=[username_validator],
        help_text=_("4–30个字符，可用字母、数字和 @ . + - _"),
    )
    kind = models.CharField(_("用户类型"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    institution_name = models.CharField(_("机构名称"), max_length=100, blank=True)
    email = models.EmailField(_("电子邮箱"), max_length=254)
    phone = EncryptedTextField(_("手机号"), blank=True, editable=False)
    # NULL, not "", for accounts without a phone (e.g. createsuperuser), so that uniqueness ignores them.
    phone_index = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    identity_status = models.CharField(
        _("实名认证状态"), max_length=16, choices=IdentityStatus.choices, default=IdentityStatus.UNVERIFIED
    )
    is_staff = models.BooleanField(_("工作人员"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.INSTITUTION and self.institution_name:
            return self.institution_name
        return self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_verified_identity(self) -> bool:
        return self.identity_status == self.IdentityStatus.VERIFIED

    def set_phone(self, raw: str) -> None:
        """Store ``raw`` normalised, encrypted, with its blind index."""
        e164 = normalize_phone(raw)
        self.phone = e164
        self.phone_index = phone_index(e164)


class LoginThrottleQuerySet(models.QuerySet):
    def stale(self, now):
        """Rows whose window is over (the longest is a day) and whose wait, if any, has run out."""
        return self.filter(window_started_at__lt=now - timedelta(days=1)).exclude(blocked_until__gt=now)


class LoginThrottle(models.Model):
    """Login attempts counted under one key (an account, a typed identifier, an address, a known browser).

    The key is a blind index of what is counted, so the table holds no identifier, phone number or address.
    """

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("账户")
        IDENTIFIER = "identifier", _("登录名")
        ADDRESS = "address", _("IP地址")
        DEVICE = "device", _("登录过的浏览器")

    # How long the attempts under a key are counted before the count starts over. The address's is shorter:
    # the mistakes of everyone behind one office or carrier address add up there.
    WINDOWS = {
        Scope.ACCOUNT: timedelta(days=1),
        Scope.IDENTIFIER: timedelta(days=1),
        Scope.DEVICE: timedelta(days=1),
        Scope.ADDRESS: timedelta(hours=1),
    }

    key = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("范围"), max_length=16, choices=Scope.choices, editable=False)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    window_started_at = models.DateTimeField(_("计数开始时间"))
    blocked_until = models.DateTimeField(_("等待至"), null=True, blank=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)

    objects = LoginThrottleQuerySet.as_manager()

    class Meta:
        verbose_name = _("登录限速")
        verbose_name_plural = _("登录限速")
        indexes = [models.Index(fields=["window_started_at"], name="accounts_throttle_window_idx")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} #{self.pk}"
