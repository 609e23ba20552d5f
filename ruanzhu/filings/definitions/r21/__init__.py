"""R21 — 计算机软件著作权转让或专有许可合同登记申请 (SPEC §9)."""

from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions import ownership
from ruanzhu.filings.definitions.base import ChecklistItem, DocumentSpec, ServiceDefinition, Step
from ruanzhu.filings.definitions.r21 import approval, rules
from ruanzhu.filings.definitions.r21.forms import ContractForm, PartiesForm

DEFINITION = ServiceDefinition(
    code="R21",
    title=_("计算机软件著作权转让或专有许可合同登记申请"),
    description=_("仅针对著作权转让合同或专有许可合同的登记"),
    form_title="计算机软件著作权转让或专有许可合同登记申请表",
    steps=(
        Step("contract", _("合同信息"), ContractForm),
        Step("parties", _("当事人"), PartiesForm, documents_title=_("合同文本")),
        Step("confirm", _("确认")),
    ),
    documents=(
        DocumentSpec("contract", _("合同文本"), step="parties", accept_images=True),
        ownership.consent_document(step="parties"),
    ),
    party_label=_("合同当事人"),
    parties_step="parties",
    party_roles=("transferor", "transferee"),
    # The applicant is an owner of record: it transfers or licenses, with every other owner of record.
    applicant_role=lambda details: "transferor",
    title_of=lambda details: details.get("software_name", ""),
    form_sections=rules.sections,
    step_problems=rules.step_problems,
    issue_problems=rules.issue_problems,
    on_step_saved=rules.on_step_saved,
    record_role="transferor",
    owners_of_record=rules.owners_of_record,
    approval_problems=rules.approval_problems,
    approve=approval.approve,
    checklist=(
        ChecklistItem("record", _("登记号、软件全称和版本号与登记记录一致")),
        ChecklistItem("contract", _("合同文本已签章，合同类型、权利范围、地域范围和期限与申请表一致")),
        ChecklistItem("parties", _("转让方/许可方和受让方/被许可方与合同的签约方一致")),
        ownership.CONSENT_CHECK,
    ),
)
