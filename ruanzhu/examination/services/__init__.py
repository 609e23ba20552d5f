"""Examination: acceptance, correction (补正), decisions, numbers and certificates (SPEC §10)."""

from ruanzhu.examination.services.acceptance import examination_start, filing_accept, filing_reject_acceptance
from ruanzhu.examination.services.corrections import (
    CorrectionItem,
    Difference,
    correction_codes_send,
    correction_diff,
    correction_missing,
    correction_request,
    correction_signature_page_upload,
    correction_submit,
    correction_targets,
    corrections_expire,
    open_correction,
    snapshot,
)
from ruanzhu.examination.services.decisions import (
    certificate_content,
    certificate_issue,
    checklist_missing,
    filing_refuse,
    filing_register,
)

__all__ = [
    "CorrectionItem",
    "Difference",
    "certificate_content",
    "certificate_issue",
    "checklist_missing",
    "correction_codes_send",
    "correction_diff",
    "correction_missing",
    "correction_request",
    "correction_signature_page_upload",
    "correction_submit",
    "correction_targets",
    "corrections_expire",
    "examination_start",
    "filing_accept",
    "filing_refuse",
    "filing_register",
    "filing_reject_acceptance",
    "open_correction",
    "snapshot",
]
