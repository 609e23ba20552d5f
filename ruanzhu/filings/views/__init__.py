"""The filing pages: the public catalog, the applicant's wizard, 出申请表 and the files of a filing."""

from ruanzhu.filings.views.files import document_download, form_pdf, mandate_letter, signature_page, upload
from ruanzhu.filings.views.invitations import invitation_accept_view, invitation_decline_view, invitations
from ruanzhu.filings.views.issue import code_confirm, codes_send, confirm_mine, detail, submit, withdraw
from ruanzhu.filings.views.public import (
    catalog,
    form_verify,
    form_verify_without_token,
    verification_required,
)
from ruanzhu.filings.views.wizard import delete, mine, owner_add_view, owner_remove_view, start, step

__all__ = [
    "catalog",
    "code_confirm",
    "codes_send",
    "confirm_mine",
    "delete",
    "detail",
    "document_download",
    "form_pdf",
    "form_verify",
    "form_verify_without_token",
    "invitation_accept_view",
    "invitation_decline_view",
    "invitations",
    "mandate_letter",
    "mine",
    "owner_add_view",
    "owner_remove_view",
    "signature_page",
    "start",
    "step",
    "submit",
    "upload",
    "verification_required",
    "withdraw",
]
