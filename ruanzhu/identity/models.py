from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.fields import EncryptedTextField
from ruanzhu.core.masking import mask_id_number
from ruanzhu.core.models import ReasonCode
from ruanzhu.core.review import ReviewItem, TransitionEvent


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    PASSPORT = "passport", _("护照")
    OTHER = "other", _("其他")


class InstitutionCategory(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业法人")
    GOVERNMENT = "government", _("机关法人")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位法人")
    SOCIAL_ORGANISATION = "social_organisation", _("社会团体法人")
    OTHER = "other", _("其他组织")


class Slot(models.TextChoices):
    """A place for one uploaded document in a verification."""

    ID_FRONT = "id_front", _("证件照正面")
    ID_BACK = "id_back", _("证件照反面")
    HANDHELD = "handheld", _("手持证件照片")
    LICENCE = "licence", _("营业执照（登记证书）")
    ADMIN_ID_FRONT = "admin_id_front", _("管理员证件照正面")
    ADMIN_ID_BACK = "admin_id_back", _("管理员证件照反面")
    AUTHORIZATION_LETTER = "authorization_letter", _("授权书")


INDIVIDUAL_SLOTS = (Slot.ID_FRONT, Slot.ID_BACK, Slot.HANDHELD)
INSTITUTION_SLOTS = (Slot.LICENCE, Slot.ADMIN_ID_FRONT, Slot.ADMIN_ID_BACK, Slot.AUTHORIZATION_LETTER)


class Verification(ReviewItem):
    """One round of real-name verification (实名认证) of an account.

    A rejected round is never edited again: revising it opens a new round that points to it, so that the
    reviewer of the resubmission can see what changed. Re-verification after approval works the same way and
    keeps the ID number.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("填写中")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("审核通过")
        REJECTED = "rejected", _("审核不通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    CLAIMED_LABELS = {Status.SUBMITTED: _("审核中")}
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
        Status.WITHDRAWN: set(),
    }

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("个人")
        INSTITUTION = "institution", _("机构")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        on_delete=models.CASCADE,
        related_name="verifications",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("上一轮"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next",
    )
    step = models.PositiveSmallIntegerField(_("已完成步骤"), default=0)

    # 个人 (and the administrator of an institution)
    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    nationality = models.CharField(_("国籍"), max_length=50, blank=True, default="中国")
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, blank=True)
    id_number = EncryptedTextField(_("证件号码"), blank=True)
    # Blind index of the ID number (个人) or the credit code (机构): one verified account per identity.
    identity_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_valid_from = models.DateField(_("证件有效期起"), null=True, blank=True)
    id_valid_until = models.DateField(_("证件有效期至"), null=True, blank=True)
    id_long_term = models.BooleanField(_("长期有效"), default=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    province = models.CharField(_("省份"), max_length=20, blank=True)
    city = models.CharField(_("城市"), max_length=20, blank=True)

    # 机构
    institution_name = models.CharField(_("机构名称"), max_length=100, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    category = models.CharField(_("机构类别"), max_length=24, choices=InstitutionCategory.choices, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    consent_id_data = models.CharField(_("证件信息授权（文本版本）"), max_length=20, blank=True)
    consent_id_data_at = models.DateTimeField(null=True, blank=True)
    consent_face = models.CharField(_("人像信息授权（文本版本）"), max_length=20, blank=True)
    consent_face_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    due_date = models.DateField(_("审核期限"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rejection_reasons = models.ManyToManyField(ReasonCode, verbose_name=_("不通过理由"), blank=True)
    internal_note = models.TextField(_("内部备注"), blank=True)
    checklist = models.JSONField(_("核对项"), default=dict, blank=True)

    class Meta:
        verbose_name = _("实名认证")
        verbose_name_plural = _("实名认证")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_date", "id"], name="identity_queue_idx")]
        constraints = [
            # At most one open round (draft or under review) per account.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="identity_one_open_round_per_account",
            )
        ]
        permissions = [("review_verification", _("可审核实名认证"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.subject_name}"

    @property
    def subject_name(self) -> str:
        return self.institution_name if self.kind == self.Kind.INSTITUTION else self.real_name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def slots(self) -> tuple[Slot, ...]:
        return INSTITUTION_SLOTS if self.kind == self.Kind.INSTITUTION else INDIVIDUAL_SLOTS

    @property
    def is_resubmission(self) -> bool:
        return self.previous_id is not None

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.SUBMITTED and self.due_date is not None and self.due_date < today


class VerificationDocument(models.Model):
    """An uploaded document of a verification: stored encrypted, re-encoded, with its automatic checks."""

    class CheckState(models.TextChoices):
        PENDING = "pending", _("检查中")
        DONE = "done", _("已检查")

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="documents")
    slot = models.CharField(_("材料"), max_length=24, choices=Slot.choices)
    storage_name = models.CharField(max_length=200, editable=False)
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    photo_hash = models.CharField(max_length=16, blank=True)  # a perceptual hash, hex; empty for PDFs
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    check_state = models.CharField(max_length=10, choices=CheckState.choices, default=CheckState.PENDING)
    checks = models.JSONField(default=list, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("认证材料")
        verbose_name_plural = _("认证材料")
        constraints = [
            models.UniqueConstraint(fields=["verification", "slot"], name="identity_one_document_per_slot")
        ]

    def __str__(self) -> str:
        return self.get_slot_display()

    @property
    def failed_checks(self) -> list[dict]:
        return [check for check in self.checks if not check.get("passed")]

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class VerificationEvent(TransitionEvent):
    status_choices = Verification.Status

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="events")

    class Meta(TransitionEvent.Meta):
        verbose_name = _("认证记录")
        verbose_name_plural = _("认证记录")


class VerifiedIdentity(models.Model):
    """The ID number (or credit code) that an account was verified with: each belongs to one account only."""

    index = models.CharField(max_length=64, unique=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_identity"
    )
    verification = models.ForeignKey(Verification, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("已认证身份")
        verbose_name_plural = _("已认证身份")

    def __str__(self) -> str:
        return str(self.account)
