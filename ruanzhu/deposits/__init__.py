"""Build and check deposit PDFs (鉴别材料); no Django here, so the command line and the portal share it."""

from .check import CheckResult, PageProblem, PageReport, check_deposit
from .document import build_document_deposit
from .errors import DepositError
from .program import DepositSummary, Redaction, build_program_deposit, parse_redaction

__all__ = [
    "CheckResult",
    "DepositError",
    "DepositSummary",
    "PageProblem",
    "PageReport",
    "Redaction",
    "build_document_deposit",
    "build_program_deposit",
    "check_deposit",
    "parse_redaction",
]
