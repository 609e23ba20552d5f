"""One-time codes, the SMS messages that carry them, and the counters behind the send limits."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.fields import EncryptedTextField
from ruanzhu.core.masking import mask_phone


class Purpose(models.TextChoices):
    SIGNUP = "signup", _("注册")
    PASSWORD_RESET = "password_reset", _("重置密码")
    PHONE_CHANGE = "phone_change", _("更换手机号")
    FILING_CONFIRM = "filing_confirm", _("出申请表确认")
    # Not a code: a status notice (e.g. a review decision). Counted in the daily budget, not in the send limits.
    NOTICE = "notice", _("通知")


class OneTimeCode(models.Model):
    """A code sent to a phone for one purpose and subject; only its HMAC is kept."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        USED = "used", _("已使用")
        VOIDED = "voided", _("已作废")
        EXHAUSTED = "exhausted", _("错误次数过多")

    phone_index = models.CharField(max_length=64, editable=False)
    purpose = models.CharField(_("用途"), max_length=32, choices=Purpose.choices)
    subject = models.CharField(_("对象"), max_length=100, blank=True)
    code_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    failed_attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        indexes = [
            models.Index(
                fields=["phone_index", "purpose", "subject", "-created_at"], name="otp_code_binding_idx"
            ),
        ]
        constraints = [
            # Issuing a code voids the previous one: at no time are two codes alive for one binding.
            models.UniqueConstraint(
                fields=["phone_index", "purpose", "subject"],
                condition=Q(status="active"),
                name="otp_code_one_active_per_binding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"

    def is_expired(self, at) -> bool:
        return at >= self.expires_at


class SmsMessage(models.Model):
    """An outgoing SMS: the send log that limits are counted on, and the delivery state of the message."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        # Claimed by a worker that is handing it to the backend (see delivery.sms_message_deliver).
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        # Counted in the send limits like a real send, but nothing went out (see services.code_send_withheld).
        WITHHELD = "withheld", _("未发送")

    phone = EncryptedTextField(_("手机号"), editable=False)
    phone_index = models.CharField(max_length=64, editable=False)
    # Cleared once delivery is settled: the code has no business staying in the database after that.
    body = EncryptedTextField(_("内容"), blank=True, editable=False)
    purpose = models.CharField(_("用途"), max_length=32, choices=Purpose.choices)
    ip_index = models.CharField(max_length=64, blank=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    delivery_attempts = models.PositiveSmallIntegerField(_("投递次数"), default=0)
    provider_reference = models.CharField(_("服务商编号"), max_length=100, blank=True)
    error = models.CharField(_("错误"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        indexes = [
            models.Index(fields=["phone_index", "created_at"], name="otp_sms_phone_idx"),
            models.Index(fields=["ip_index", "created_at"], name="otp_sms_ip_idx"),
            models.Index(fields=["account", "created_at"], name="otp_sms_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SendBudgetDay(models.Model):
    """How many messages went out on one local day; its row is also the lock that serialises sends."""

    day = models.DateField(_("日期"), unique=True)
    sent = models.PositiveIntegerField(_("已发送"), default=0)

    class Meta:
        verbose_name = _("每日发送量")
        verbose_name_plural = _("每日发送量")

    def __str__(self) -> str:
        return f"{self.day}: {self.sent}"


class OutboxMessage(models.Model):
    """A message delivered by the development backend, for the developer to read instead of a phone."""

    phone = EncryptedTextField(_("手机号"), editable=False)
    phone_index = models.CharField(max_length=64, editable=False)
    body = EncryptedTextField(_("内容"), editable=False)
    message = models.ForeignKey(
        SmsMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_copies"
    )
    created_at = models.DateTimeField(_("投递时间"))

    class Meta:
        verbose_name = _("开发发件箱")
        verbose_name_plural = _("开发发件箱")
        indexes = [models.Index(fields=["phone_index", "-created_at"], name="otp_outbox_phone_idx")]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
