from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.notifications.messages import render


class Notification(models.Model):
    """An in-site message (站内消息) to an account; the same news also goes out by SMS and email."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # The Chinese text, as sent by SMS and email; the page shows it in the reader's language from the keys below.
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=1000)
    title_key = models.CharField(max_length=200, blank=True, editable=False)
    body_key = models.TextField(blank=True, editable=False)
    params = models.JSONField(default=dict, blank=True, editable=False)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # When each copy was handed on (the email to the mail server, the SMS to the SMS queue, or dropped there
    # because the day's SMS budget was spent), so that a redelivered task does not send it again.
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True, editable=False)
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def title_text(self) -> str:
        """The title in the active language (a message stored before keys existed keeps its Chinese)."""
        return render(self.title_key, self.params) if self.title_key else self.title

    @property
    def body_text(self) -> str:
        """The body in the active language."""
        return render(self.body_key, self.params) if self.body_key else self.body
