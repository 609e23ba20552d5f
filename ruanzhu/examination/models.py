from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.models import Filing


class CorrectionRound(models.Model):
    """One 补正: the items the examiner asks to correct, the deadline, and the filing before and after."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="correction_rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    items = models.JSONField(
        _("补正事项")
    )  # [{"target": "field:full_name" | "document:program_deposit", "label", "message"}]
    note = models.TextField(_("审查意见"), blank=True)
    deadline = models.DateField(_("补正期限"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审查员"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)
    before = models.JSONField(_("补正前"), default=dict)
    after = models.JSONField(_("补正后"), default=dict, blank=True)

    class Meta:
        verbose_name = _("补正")
        verbose_name_plural = _("补正")
        ordering = ["filing", "number"]
        constraints = [models.UniqueConstraint(fields=["filing", "number"], name="correction_round_unique")]
        indexes = [models.Index(fields=["answered_at", "deadline"], name="correction_deadline_idx")]
        permissions = [("examine_filing", _("可审查登记申请"))]

    def __str__(self) -> str:
        return f"{self.filing} #{self.number}"

    @property
    def targets(self) -> set[str]:
        return {item["target"] for item in self.items}

    @property
    def fields(self) -> list[str]:
        return [target.split(":", 1)[1] for target in self.targets if target.startswith("field:")]

    @property
    def documents(self) -> list[str]:
        return [target.split(":", 1)[1] for target in self.targets if target.startswith("document:")]


class Certificate(models.Model):
    """The signed certificate issued on a decision (registration, change or contract registration)."""

    filing = models.OneToOneField(Filing, on_delete=models.PROTECT, related_name="certificate")
    registration = models.ForeignKey(
        "registry.Registration", on_delete=models.PROTECT, related_name="certificates"
    )
    kind = models.CharField(max_length=20, default="registration")
    certificate_number = models.CharField(_("证书号"), max_length=40)
    storage_name = models.CharField(max_length=200, editable=False)
    issued_at = models.DateTimeField(_("发证时间"), default=timezone.now)

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")

    def __str__(self) -> str:
        return self.certificate_number
