"""R42 — a fourth service that lives only in the test suite: 软件著作权登记证书补发申请.

It proves the shape of the engine: a service is its own package (forms, rules, approval), registered with the
registry of definitions, and everything else — catalogue, wizard, form, codes, submission, examination and
approval — serves it without naming it.
"""

from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions import ChecklistItem, DocumentSpec, ServiceDefinition, Step
from tests.filings.r42 import approval
from tests.filings.r42.forms import ReissueForm

DEFINITION = ServiceDefinition(
    code="R42",
    title=_("软件著作权登记证书补发申请"),
    description=_("登记证书遗失或损毁的，由著作权人申请补发"),
    form_title="软件著作权登记证书补发申请表",
    steps=(
        Step("reissue", _("补发事项"), ReissueForm, documents_title=_("遗失声明")),
        Step("confirm", _("确认")),
    ),
    documents=(DocumentSpec("loss_statement", _("遗失声明"), step="reissue", accept_images=True),),
    party_label=_("著作权人"),
    parties_step="reissue",
    title_of=lambda details: f"证书补发 {details.get('registration_number', '')}".strip(),
    form_sections=lambda details: (
        (
            "补发事项",
            (("登记号", details.get("registration_number", "")), ("补发理由", details.get("reason", ""))),
        ),
    ),
    approve=approval.approve,
    checklist=(ChecklistItem("statement", _("遗失声明已签章")),),
)
