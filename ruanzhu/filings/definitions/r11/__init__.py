"""R11 — 计算机软件著作权登记申请 (SPEC §7)."""

from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions.base import ChecklistItem, DocumentSpec, ServiceDefinition, Step, StepNote
from ruanzhu.filings.definitions.r11 import approval, rules
from ruanzhu.filings.definitions.r11.forms import (
    DEVELOPMENT_DOCUMENTS,
    DevelopmentForm,
    FeaturesForm,
    RoleForm,
    SoftwareForm,
)

DEFINITION = ServiceDefinition(
    code="R11",
    title=_("计算机软件著作权登记申请"),
    description=_("为原始取得或从其他方继受取得的电脑软件、嵌入式软件、APP等软件申请著作权登记"),
    form_title="计算机软件著作权登记申请表",
    steps=(
        Step("role", _("申请方式"), RoleForm),
        Step("software", _("软件申请信息"), SoftwareForm),
        Step(
            "development",
            _("软件开发信息"),
            DevelopmentForm,
            documents_title=_("证明文件"),
            notes=(
                StepNote(
                    _("选择“继受取得”后，请点击“下一步”保存，再上传继受取得证明文件。"),
                    show_when="acquisition=succession",
                ),
            ),
        ),
        Step(
            "features",
            _("软件功能与特点"),
            FeaturesForm,
            documents_title=_("鉴别材料"),
            documents_help=_(
                "程序鉴别材料：源程序前30页和后30页（不足60页的全部提交），每页不少于50行；"
                "文档鉴别材料：前30页和后30页，每页不少于30行。每页页眉须有软件全称和版本号，右上角标页码。"
            ),
        ),
        Step("confirm", _("确认")),
    ),
    documents=(
        *(
            DocumentSpec(
                kind,
                label,
                step="development",
                required=lambda details, mode=mode: details.get("development_mode") == mode,
                accept_images=True,
            )
            for mode, (kind, label) in DEVELOPMENT_DOCUMENTS.items()
        ),
        DocumentSpec(
            "succession_evidence",
            _("继受取得证明文件"),
            step="development",
            required=lambda details: details.get("acquisition") == "succession",
            accept_images=True,
        ),
        DocumentSpec("program_deposit", _("程序鉴别材料"), step="features", deposit="program"),
        DocumentSpec("document_deposit", _("文档鉴别材料"), step="features", deposit="document"),
    ),
    party_label=_("著作权人"),
    parties_step="development",
    title_of=rules.title_of,
    form_sections=rules.sections,
    deposit_header=rules.deposit_header,
    deposit_exception=rules.deposit_exception,
    deposit_size_problems=rules.deposit_size_problems,
    deposit_fields=("full_name", "version", "deposit_mode", "source_lines"),
    approve=approval.approve,
    checklist=(
        ChecklistItem("owners", _("著作权人与开发方式、权利取得方式相符，证明文件齐全")),
        ChecklistItem("deposits", _("鉴别材料与软件全称、版本号一致，页数和每页行数符合要求")),
        ChecklistItem("features", _("软件功能与特点的描述与鉴别材料相符")),
    ),
)
