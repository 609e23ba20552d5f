from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One access to personal data: who, what, when and why, never the value that was seen."""

    class Action(models.TextChoices):
        VIEW_ID_IMAGE = "view_id_image", _("查看证件图片")
        DOWNLOAD_ID_IMAGE = "download_id_image", _("下载证件图片")
        UNMASK_ID_NUMBER = "unmask_id_number", _("查看完整证件号码")
        UNMASK_PHONE = "unmask_phone", _("查看完整手机号")
        UNMASK_PERSONAL_DATA = "unmask_personal_data", _("查看完整个人信息")
        EXPORT_DATA = "export_data", _("导出数据")
        API_TOKEN_CREATE = "api_token_create", _("创建API令牌")
        API_TOKEN_REVOKE = "api_token_revoke", _("吊销API令牌")
        API_REQUEST = "api_request", _("API调用")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        # The trail outlives the account: deleting a user keeps its entries, named by actor_label.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=40, choices=Action.choices)
    target_content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("对象类型"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target = GenericForeignKey("target_content_type", "target_object_id")
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    field_label = models.CharField(_("信息项"), max_length=100, blank=True)
    reason = models.TextField(_("事由"), blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器标识"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True, editable=False)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        # Append-only: there is nothing to grant beyond reading the trail.
        default_permissions = ("view",)
        permissions = [("unmask_personal_data", _("可查看完整的个人信息（需说明事由，留痕）"))]
        indexes = [
            models.Index(
                fields=["target_content_type", "target_object_id", "-created_at"],
                name="core_audit_target_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or _('系统')} {self.get_action_display()}"


class CalendarDay(models.Model):
    """A day whose status staff set by hand: a holiday or an adjusted working day (调休上班日).

    Entries override chinese-calendar, so staff can enter the State Council's schedule for years the library
    does not know yet, and correct it where it is wrong.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, help_text=_("例如：2027 春节"))

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


class ReasonCode(models.Model):
    """A reason staff can give for a refusal, with the text the applicant reads (a configurable list)."""

    class Queue(models.TextChoices):
        IDENTITY = "identity", _("实名认证审核")
        EXAMINATION = "examination", _("登记审查")

    class AccountKind(models.TextChoices):
        ANY = "", _("全部账户")
        INDIVIDUAL = "individual", _("个人")
        INSTITUTION = "institution", _("机构")

    queue = models.CharField(_("适用于"), max_length=16, choices=Queue.choices)
    # Some reasons concern one kind of applicant only: an individual has no 营业执照, an institution no 手持照.
    account_kind = models.CharField(
        _("适用账户"), max_length=16, choices=AccountKind.choices, default=AccountKind.ANY, blank=True
    )
    code = models.SlugField(_("代码"), max_length=40)
    label = models.CharField(_("名称"), max_length=60)
    applicant_text = models.CharField(_("告知申请人的说明"), max_length=300)
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("驳回理由")
        verbose_name_plural = _("驳回理由")
        ordering = ["queue", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["queue", "code"], name="core_reasoncode_unique")]

    def __str__(self) -> str:
        return self.label

    def applies_to(self, kind: str) -> bool:
        """Return whether this reason may be given to an applicant of account ``kind``."""
        return self.account_kind in ("", kind)

    @property
    def clause(self) -> str:
        """Return the applicant text without its closing punctuation, to stand inside a sentence or a list."""
        return self.applicant_text.strip().rstrip("。；;.，,")


class OutboxEntry(models.Model):
    """A task to run once the transaction that wrote it commits (ruanzhu.core.outbox).

    Published right after the commit and again by the relay until a worker marks it done. Its arguments are
    ids and flags, never personal data: the row is kept in clear for a few days.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待执行")
        DONE = "done", _("已完成")
        FAILED = "failed", _("已放弃")

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # How many times the entry was handed to the broker: the first publish and each one by the relay.
    attempts = models.PositiveSmallIntegerField(_("投递次数"), default=0)
    # The type of the last error only: an exception's text may quote a number or an address.
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("最近投递时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待执行任务")
        verbose_name_plural = _("待执行任务")
        indexes = [
            models.Index(fields=["status", "created_at"], name="core_outbox_status_idx"),
            models.Index(fields=["status", "done_at"], name="core_outbox_done_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
