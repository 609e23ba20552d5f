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
    failed_login_streak = models.PositiveIntegerField(default=0, editable=False)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True, editable=False)

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

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def set_phone(self, raw: str) -> None:
        """Store ``raw`` normalised, encrypted, with its blind index."""
        e164 = normalize_phone(raw)
        self.phone = e164
        self.phone_index = phone_index(e164)
