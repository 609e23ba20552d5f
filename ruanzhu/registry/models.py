"""The public registry: registered software, the later changes of each record, and the search index."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_certificate_token() -> str:
    """Return a random, URL-safe token for the certificate's verification address."""
    return secrets.token_urlsafe(24)


class Registration(models.Model):
    """One registered piece of software, as published in the registry (登记公告)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        CHANGED = "changed", _("已变更")
        REVOKED = "revoked", _("已撤销")

    registration_number = models.CharField(_("登记号"), max_length=20, unique=True)
    certificate_number = models.CharField(_("证书号"), max_length=40, unique=True)
    certificate_sequence = models.PositiveBigIntegerField(_("证书流水号"), unique=True)
    # The code of the service whose approval created the record (its definition's code).
    service = models.CharField(_("业务"), max_length=10)
    software_name = models.CharField(_("软件全称"), max_length=200)
    short_name = models.CharField(_("软件简称"), max_length=100, blank=True)
    version = models.CharField(_("版本号"), max_length=40)
    category = models.CharField(_("分类"), max_length=100, blank=True)
    owners = models.JSONField(_("著作权人"), default=list)
    owners_text = models.CharField(_("著作权人"), max_length=2000)
    first_publication_date = models.DateField(_("首次发表日期"), null=True, blank=True)
    completion_date = models.DateField(_("开发完成日期"))
    registered_on = models.DateField(_("登记日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID)
    # The filing this record came from. A reference rather than a foreign key, so that the registry does not
    # depend on the filing engine's tables (and records imported from elsewhere have none).
    source_reference = models.CharField(_("来源申请"), max_length=64, blank=True)
    certificate_token = models.CharField(max_length=64, unique=True, default=new_certificate_token)
    # Normalised texts (tokens.normalize) that a search of three or more characters checks its candidates against.
    search_name = models.TextField(editable=False)
    search_owners = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("登记记录")
        verbose_name_plural = _("登记记录")
        # The search reads the newest records first (selectors.WALK_ROWS). On PostgreSQL the migration that made
        # this index also made the GIN indexes of the search grams, which Django's model state does not hold.
        indexes = [models.Index(fields=["-registered_on", "-id"], name="registry_newest_idx")]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.software_name}"

    @property
    def is_valid(self) -> bool:
        return self.status != self.Status.REVOKED


class RegistrationOwner(models.Model):
    """An owner of record (登记著作权人): the name printed on the record and who it is.

    ``identity_index`` is the blind index of the owner's verified ID number or credit code: it decides who may
    change or transfer the record, whatever name they go by now. It never leaves the server. Records imported
    from elsewhere may have owners without one (and without an account here).
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("个人")
        INSTITUTION = "institution", _("机构")

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="owners_of_record")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, blank=True)
    country = models.CharField(_("国籍"), max_length=50, blank=True)
    identity_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("登记著作权人")
        verbose_name_plural = _("登记著作权人")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class RegistrationChange(models.Model):
    """A later change, supplement, contract registration or revocation of a record."""

    class Kind(models.TextChoices):
        CHANGE = "change", _("变更")
        SUPPLEMENT = "supplement", _("补充")
        CONTRACT = "contract", _("合同登记")
        REVOCATION = "revocation", _("撤销")

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("说明"))
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    # The number of the certificate or attestation issued for this change, if any (its own series).
    # Empty when none was issued (Django's convention for text: no NULL as a second kind of "none").
    certificate_number = models.CharField(_("证明编号"), max_length=40, blank=True)
    recorded_on = models.DateField(_("登记日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_on", "id"]
        verbose_name = _("登记事项变更")
        verbose_name_plural = _("登记事项变更")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.recorded_on}"


class RegistrationSearchToken(models.Model):
    """One token (tokens.text_tokens) of a record's names or owners: the search index of the registry on SQLite.

    On PostgreSQL the table stays empty: a GIN index of search grams takes its place (tokens, migration 0005).

    The primary key (scope, token, registered_on, registration) is the only index: a query reads the first page
    of one token in date order straight from it (an index-only scan, however common the token), and a change
    deletes its old tokens through it. The registration's date is copied here for that order.
    """

    class Scope(models.TextChoices):
        NAME = "n", _("软件名称")
        OWNER = "o", _("著作权人")

    pk = models.CompositePrimaryKey("scope", "token", "registered_on", "registration")
    scope = models.CharField(max_length=1, choices=Scope.choices)
    token = models.CharField(max_length=2)
    registered_on = models.DateField()
    # No separate index on the registration: the table holds dozens of rows per record, and nothing looks its
    # rows up by registration alone (records are revoked, never deleted).
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+", db_index=False)

    def __str__(self) -> str:
        return f"{self.scope}:{self.token}"


class NumberSequence(models.Model):
    """The last number handed out in one series: ``SR<year>`` for registration numbers, ``certificate``."""

    name = models.CharField(max_length=20, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"
