"""Webhooks: the HTTPS addresses an account registered for events of its filings, and each delivery to them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.fields import EncryptedTextField
from ruanzhu.filings.states import Status


class WebhookEndpoint(models.Model):
    """An address that receives, signed with its secret, the events of the filings its owner files."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("推送地址"), max_length=500)
    description = models.CharField(_("说明"), max_length=60, blank=True)
    # Kept (encrypted) rather than hashed: every delivery is signed with it.
    secret = EncryptedTextField(editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    secret_rotated_at = models.DateTimeField(_("密钥更换时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送地址")
        verbose_name_plural = _("推送地址")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "url"], name="webhook_endpoint_url_once")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: its payload, its attempts and the last answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("失败")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The event's id, sent in the Ruanzhu-Event-Id header: the same for every endpoint and every resend of the
    # event, so that a receiver can drop a copy.
    event_id = models.UUIDField(_("事件编号"), default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("事件"), max_length=40)
    filing = models.ForeignKey(
        "filings.Filing", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    response_excerpt = models.CharField(_("响应摘录"), max_length=500, blank=True)
    last_error = models.CharField(_("错误"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"

    @property
    def status_change(self) -> str:
        """The filing's change of status as the log shows it (待受理 → 已受理)."""
        data = self.payload.get("data", {})
        return f"{status_label(data.get('from_status'))} → {status_label(data.get('to_status'))}"


def status_label(value: str | None) -> str:
    if not value:
        return "—"
    return str(Status(value).label) if value in Status.values else value
