"""Personal access tokens: how a program acts for an account on /api/v1/."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalAccessToken(models.Model):
    """A token an account made for its programs: its public prefix and the SHA-256 of the secret, never the secret."""

    class Scope(models.TextChoices):
        READ = "read", _("读取")
        FILE = "file", _("填报")
        SUBMIT = "submit", _("提交")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=60)
    # Shown in lists and in the token itself, so that an account can tell its tokens apart; it proves nothing.
    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("权限范围"), default=list)
    expires_at = models.DateTimeField(_("有效期至"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` an account sent with a request, and the answer given to it, kept for a while.

    The row is created in the transaction that does the work and holds the answer when it commits: a second
    request with the same key waits on the unique constraint until the first is done, then replays its answer.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("幂等键"), max_length=255)
    # The SHA-256 of what the request asked (method, path and body): the same key for another request is refused.
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(_("状态码"))
    content_type = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True, editable=False)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_once")]

    def __str__(self) -> str:
        return self.key
