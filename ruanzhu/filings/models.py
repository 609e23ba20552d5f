"""One filing engine for every service: a filing, its parties, documents, confirmations and events.

What differs between services lives in their service definitions (ruanzhu.filings.definitions): the
detail fields (kept in ``Filing.details``, which holds form data only), the wizard steps, the party roles and the required documents.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.fields import EncryptedTextField
from ruanzhu.core.masking import mask_id_number
from ruanzhu.core.review import ReviewItem, TransitionEvent
from ruanzhu.filings.definitions.registry import service_choices
from ruanzhu.filings.states import EDITABLE, TRANSITIONS, Status
from ruanzhu.identity.selectors import verified_id_number_of


class Filing(ReviewItem):
    """An application for one service, from the first draft to the decision."""

    TRANSITIONS = TRANSITIONS
    # A submitted filing that an examiner has claimed is being accepted, no longer waiting.
    CLAIMED_LABELS = {Status.SUBMITTED: _("受理中")}

    # The offered services come from the registry of service definitions (ruanzhu.filings.definitions).
    service = models.CharField(_("业务"), max_length=3, choices=service_choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="filings"
    )
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="filed_filings",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代理机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agent_filings",
    )
    # A string reference: the filings app does not import the agents app (agents builds on filings).
    mandate = models.ForeignKey(
        "agents.Mandate",
        verbose_name=_("委托"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filings",
        help_text=_("代理机构据以办理本申请的委托；申请人自行办理时为空。"),
    )
    agent_block = models.JSONField(
        _("代理机构栏"),
        default=dict,
        blank=True,
        help_text=_("出申请表时从委托和代理机构信息复制，打印在申请表上。"),
    )
    title = models.CharField(_("名称"), max_length=200, blank=True)
    details = models.JSONField(_("申请信息"), default=dict, blank=True)
    step = models.PositiveSmallIntegerField(_("已完成步骤"), default=0)
    fingerprint = models.CharField(_("表单指纹"), max_length=64, blank=True)
    # The number of the latest form version (FormVersion.number); 0 until the form is first frozen.
    form_version = models.PositiveIntegerField(_("表单版本"), default=0)
    flow_number = models.CharField(_("流水号"), max_length=20, unique=True, null=True, blank=True)
    form_storage_name = models.CharField(max_length=200, blank=True, editable=False)
    form_issued_at = models.DateTimeField(_("出表时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("登记申请")
        verbose_name_plural = _("登记申请")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["applicant", "-updated_at"], name="filing_applicant_idx"),
            models.Index(fields=["status", "submitted_at", "id"], name="filing_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.title or _('未命名')}"

    def joined_parties(self):
        """Return the parties who joined the filing: an invitee counts once they accepted, never before."""
        return self.parties.filter(status=FilingParty.Status.ACCEPTED).select_related("account")

    def people_to_tell(self) -> list:
        """Return the accounts told of what happens to the filing: its joined parties and its filer, once each."""
        accounts = {party.account_id: party.account for party in self.joined_parties()}
        accounts.setdefault(self.filer_id, self.filer)
        return list(accounts.values())

    @property
    def is_editable(self) -> bool:
        """Content may change only before submission; an edit after codes were sent voids them."""
        return self.status in EDITABLE

    @property
    def is_locked(self) -> bool:
        return not self.is_editable

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT


class PartyRole(models.TextChoices):
    OWNER = "owner", _("著作权人")
    TRANSFEROR = "transferor", _("转让方/许可方")
    TRANSFEREE = "transferee", _("受让方/被许可方")


class FilingParty(models.Model):
    """A party to a filing (an owner, or a side of a contract): a verified account, with the details of its
    verification copied when it joined, so that the form shows what was true then.

    A co-owner added by the filer is first only invited: until they accept in their own account, the filing
    holds what the filer typed (masked) and nothing of their verification.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("已加入")
        INVITED = "invited", _("待接受邀请")
        DECLINED = "declined", _("已拒绝")

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("角色"), max_length=16, choices=PartyRole.choices, default=PartyRole.OWNER)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=30)
    id_type = models.CharField(_("证件类型"), max_length=30)
    id_number = EncryptedTextField(_("证件号码"), blank=True)
    nationality = models.CharField(_("国籍"), max_length=50, blank=True)
    province = models.CharField(_("省份"), max_length=20, blank=True)
    city = models.CharField(_("城市"), max_length=20, blank=True)
    # The blind index of the verified ID number or credit code: who the party is, whatever its name.
    identity_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    # What the filer typed to invite the party (phone or username), masked.
    invited_as = models.CharField(_("邀请时填写"), max_length=40, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "role", "account"], name="filing_party_once_per_role")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def verified_id_number(self) -> str:
        """Return the ID number (or credit code) of a party that joined, read from its account's verified
        identity while that is still the identity it joined with (parties added earlier kept a copy)."""
        if self.status != self.Status.ACCEPTED:
            return ""
        identity = verified_id_number_of(self.account)
        if identity is not None and identity[0] == self.identity_index:
            return identity[1]
        return self.id_number

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.verified_id_number)


class FilingDocument(models.Model):
    """An uploaded file of a filing (a deposit, a contract, the signed signature page …), stored encrypted."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料"), max_length=32)
    original_name = models.CharField(_("文件名"), max_length=200)
    storage_name = models.CharField(max_length=200, editable=False)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    problems = models.JSONField(_("检查结果"), default=list, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        constraints = [
            models.UniqueConstraint(fields=["filing", "kind"], name="filing_one_document_per_kind")
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def passes(self) -> bool:
        return not self.problems


def new_form_token() -> str:
    """Return a random, URL-safe token for the QR code of a form version's verification page."""
    return secrets.token_urlsafe(18)


class FormVersion(models.Model):
    """One version of a filing's form, frozen when it was put to the parties: its content and fingerprint.

    Every change of content after a version was frozen (an edit, a 补正) makes the next version, under the same
    flow number; a confirmation counts for the version it was given to only, even if a later version has the
    same content again.
    """

    class Reason(models.TextChoices):
        ISSUE = "issue", _("出申请表")
        CORRECTION = "correction", _("补正")

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="form_versions")
    number = models.PositiveIntegerField(_("版本"))
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices, default=Reason.ISSUE)
    fingerprint = models.CharField(_("表单指纹"), max_length=64)
    # What the parties were asked to confirm, as the examiner reads it (ID numbers masked).
    content = models.JSONField(_("内容"), default=dict, blank=True)
    issued_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("全部确认时间"), null=True, blank=True)
    # The signed signature page uploaded for this version (required of a version made by a 补正).
    signature_page_sha256 = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(_("签章页上传时间"), null=True, blank=True)
    # Printed in the form's QR code: whoever holds the paper form may see its verification page, and nobody can
    # reach that page by counting through flow numbers.
    token = models.CharField(max_length=32, unique=True, default=new_form_token, editable=False)
    # When this version's form was rendered: the 出表时间 printed on it (empty for a version never rendered).
    rendered_at = models.DateTimeField(_("出表时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("申请表版本")
        verbose_name_plural = _("申请表版本")
        ordering = ["filing", "number"]
        constraints = [models.UniqueConstraint(fields=["filing", "number"], name="form_version_unique")]

    def __str__(self) -> str:
        return f"{self.filing_id} v{self.number}"


class Confirmation(models.Model):
    """A party's confirmation of one version of the form; another version needs another one."""

    class Via(models.TextChoices):
        CODE = "code", _("验证码")
        ACCOUNT = "account", _("本人账户确认")

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="confirmations")
    party = models.ForeignKey(FilingParty, on_delete=models.CASCADE, related_name="confirmations")
    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="confirmations")
    # The fingerprint of the version confirmed, kept with the confirmation as a record.
    fingerprint = models.CharField(max_length=64)
    via = models.CharField(max_length=10, choices=Via.choices)
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("著作权人确认")
        verbose_name_plural = _("著作权人确认")
        constraints = [
            models.UniqueConstraint(fields=["party", "version"], name="confirmation_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.fingerprint[:8]}"


class FilingEvent(TransitionEvent):
    status_choices = Status

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="events")

    class Meta(TransitionEvent.Meta):
        verbose_name = _("申请记录")
        verbose_name_plural = _("申请记录")


class DailySequence(models.Model):
    """The last number handed out for a prefix on a day: flow numbers are gap-free and unique per day."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="daily_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d} {self.last}"


class DepositBuild(models.Model):
    """A deposit being built online (在线生成) from an uploaded source archive or manual, and its result.

    One per filing and deposit: a new build replaces the previous one. The uploaded source is deleted once the
    build ends; the result stays until it is accepted as the deposit (through the upload's own checks) or
    discarded.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已生成")
        FAILED = "failed", _("生成失败")

    class Stage(models.TextChoices):
        QUEUED = "queued", _("等待开始")
        OPENING = "opening", _("解压和读取文件")
        READING = "reading", _("整理源程序")
        RENDERING = "rendering", _("排版生成PDF")
        FINISHED = "finished", _("完成")

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="deposit_builds")
    kind = models.CharField(_("材料"), max_length=32)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices, default=Stage.QUEUED)
    files = models.PositiveIntegerField(_("文件数"), default=0)
    lines = models.PositiveIntegerField(_("行数"), default=0)
    source_pages = models.PositiveIntegerField(_("全部页数"), default=0)
    pages = models.PositiveIntegerField(_("鉴别材料页数"), default=0)
    source_original_name = models.CharField(_("上传的文件"), max_length=200)
    source_storage_name = models.CharField(max_length=200, blank=True, editable=False)
    result_storage_name = models.CharField(max_length=200, blank=True, editable=False)
    error = models.TextField(_("错误"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("在线生成的鉴别材料")
        verbose_name_plural = _("在线生成的鉴别材料")
        constraints = [models.UniqueConstraint(fields=["filing", "kind"], name="deposit_build_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.filing_id} {self.kind} {self.status}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
