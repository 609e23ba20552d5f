"""R41 — 软件登记事项变更或补充申请 (SPEC §9)."""

from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions import ownership
from ruanzhu.filings.definitions.base import ChecklistItem, DocumentSpec, ServiceDefinition, Step
from ruanzhu.filings.definitions.r41 import approval, rules
from ruanzhu.filings.definitions.r41.forms import ChangeForm, EvidenceForm

DEFINITION = ServiceDefinition(
    code="R41",
    title=_("软件登记事项变更或补充申请"),
    description=_("对已登记的事项做变更或补充登记"),
    form_title="软件登记事项变更或补充申请表",
    steps=(
        Step("change", _("变更事项"), ChangeForm),
        Step("evidence", _("证明文件"), EvidenceForm, documents_title=_("证明文件")),
        Step("confirm", _("确认")),
    ),
    documents=(
        DocumentSpec("evidence", _("变更或补充证明文件"), step="evidence", accept_images=True),
        ownership.consent_document(step="evidence"),
    ),
    party_label=_("著作权人"),
    title_of=rules.title_of,
    form_sections=rules.sections,
    step_problems=rules.step_problems,
    issue_problems=rules.issue_problems,
    on_step_saved=rules.on_step_saved,
    record_role="owner",
    owners_of_record=rules.owners_of_record,
    approval_problems=rules.approval_problems,
    approve=approval.approve,
    checklist=(
        ChecklistItem("record", _("原登记号与登记记录一致，申请人为登记记录中的著作权人或其代理人")),
        ChecklistItem("evidence", _("证明文件能够证明每一项变更或补充的内容")),
        ownership.CONSENT_CHECK,
    ),
)
