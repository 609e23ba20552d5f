"""Agents (代理机构) marked by staff and the mandates (委托) their clients give them."""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.review import TransitionEvent

DESCRIPTION_MAX_LENGTH = 180


class AgentProfile(models.Model):
    """A verified institution that staff marked as agent, with the details printed in the agent block."""

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        on_delete=models.CASCADE,
        related_name="agent_profile",
    )
    name = models.CharField(_("代理机构名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    postcode = models.CharField(
        _("邮政编码"),
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("邮政编码应为6位数字。"))],
    )
    contact_person = models.CharField(_("联系人"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30)
    email = models.EmailField(_("电子邮箱"))
    is_active = models.BooleanField(_("有效"), default=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("代理机构")
        verbose_name_plural = _("代理机构")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MandateQuerySet(models.QuerySet):
    def in_effect(self, on: datetime.date) -> "MandateQuerySet":
        """Keep the mandates accepted, in term on ``on`` and given to an agent that is still active."""
        return self.filter(
            status=Mandate.Status.ACCEPTED,
            start_date__lte=on,
            end_date__gte=on,
            agent__is_active=True,
            agent__agent_profile__is_active=True,
        )

    def covering(self, service) -> "MandateQuerySet":
        """Keep the mandates whose services include ``service`` (a code, or an expression such as OuterRef).

        JSON containment is not available on every database: the list's JSON text holds the quoted code.
        """
        code = Value(service) if isinstance(service, str) else service
        quoted = Concat(Value('"'), code, Value('"'), output_field=models.TextField())
        return self.alias(services_text=Cast("services", models.TextField())).filter(
            services_text__contains=quoted
        )


class Mandate(models.Model):
    """A client's mandate (委托) to an agent for some services over a term."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        ACCEPTED = "accepted", _("生效")
        DECLINED = "declined", _("已拒绝")
        REVOKED = "revoked", _("已撤销")

    # Not stored: an accepted mandate whose term has ended.
    EXPIRED = "expired"
    EXPIRED_LABEL = _("已过期")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代理机构"),
        on_delete=models.PROTECT,
        related_name="mandates_as_agent",
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("委托人"),
        on_delete=models.PROTECT,
        related_name="mandates_as_client",
    )
    services = models.JSONField(_("委托事项"), default=list)
    start_date = models.DateField(_("委托期限起"))
    end_date = models.DateField(_("委托期限至"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    description = models.CharField(_("委托事项说明"), max_length=DESCRIPTION_MAX_LENGTH)
    letter_storage_name = models.CharField(max_length=200, blank=True, editable=False)
    letter_content_type = models.CharField(max_length=40, blank=True, editable=False)
    letter_uploaded_at = models.DateTimeField(_("委托书上传时间"), null=True, blank=True)
    letter_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("委托书上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("委托")
        verbose_name_plural = _("委托")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "status", "end_date"], name="mandate_agent_idx"),
            models.Index(fields=["client", "status", "end_date"], name="mandate_client_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="mandate_term_ordered"
            ),
            models.CheckConstraint(condition=~models.Q(agent=models.F("client")), name="mandate_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.agent} ({self.start_date}–{self.end_date})"

    def state(self, today=None) -> str:
        """Return the status, or ``expired`` for an accepted mandate whose term has ended."""
        today = today or timezone.localdate()
        if self.status == self.Status.ACCEPTED and self.end_date < today:
            return self.EXPIRED
        return self.status

    @property
    def state_label(self) -> str:
        state = self.state()
        return str(self.EXPIRED_LABEL) if state == self.EXPIRED else self.get_status_display()

    @property
    def is_open(self) -> bool:
        """Proposed, or accepted and not yet expired: it can still be revoked or get a letter."""
        return self.state() in (self.Status.PROPOSED, self.Status.ACCEPTED)

    @property
    def has_letter(self) -> bool:
        return bool(self.letter_storage_name)

    @property
    def letter_is_pdf(self) -> bool:
        return self.letter_content_type == "application/pdf"

    def covers(self, service: str) -> bool:
        return service in self.services

    def agent_block(self) -> dict:
        """Return the agent block printed on the forms the agent issues under this mandate (SPEC §8)."""
        # A method of the mandate, so that filings, which reaches mandates only through its foreign key, can
        # freeze the block onto a filing without importing the agents app (which builds on filings).
        profile = AgentProfile.objects.get(account_id=self.agent_id)
        return {
            "name": profile.name,
            "address": profile.address,
            "postcode": profile.postcode,
            "contact_person": profile.contact_person,
            "phone": profile.phone,
            "email": profile.email,
            "mandate_description": self.description[:DESCRIPTION_MAX_LENGTH],
        }


class MandateEvent(TransitionEvent):
    status_choices = Mandate.Status

    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="events")

    class Meta(TransitionEvent.Meta):
        verbose_name = _("委托记录")
        verbose_name_plural = _("委托记录")

    @property
    def to_label(self) -> str:
        try:
            return Mandate.Status(self.to_status).label
        except ValueError:
            return self.to_status
