"""Helpers for R21 and R41: a registered R11 work, and filings carried through codes, submission and decision."""

import io

from reportlab.pdfgen.canvas import Canvas

from ruanzhu.core.files import read_private_file
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.services.documents import signature_page_upload
from ruanzhu.filings.services.drafts import filing_save_step
from ruanzhu.filings.services.issue import form_confirm_with_code, form_request_codes
from ruanzhu.filings.services.submission import filing_submit
from ruanzhu.otp.selectors import latest_code_in_outbox
from ruanzhu.registry.models import Registration
from tests.factories import FilingFactory, examine_and_register, registration_of  # noqa: F401 (an old import path)


def one_page_pdf(text: str = "contract") -> bytes:
    """Return a readable one-page PDF (evidence and contracts are any readable PDF)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(50, 700, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def registered_work(alice, bob, deposits, capture=None, examiner=None) -> Registration:
    """Register alice's and bob's R11 work 智慧园区管理平台 V1.0 (unpublished) and return its record."""
    filing = FilingFactory(
        registered=True, applicant=alice, co_owners=[bob], deposits=deposits, examiner=examiner
    )
    return registration_of(filing)


def save_steps(filing, by, data: dict):
    """Validate and save the steps of the filing's service from ``data`` (by step slug), up to the first not
    given (a step without fields is saved as it is)."""
    for step in definition_for(filing.service).form_steps:
        if step.slug not in data and step.form_class().fields:
            break  # the steps from here on are left for later
        form = step.form_class(data=data.get(step.slug, {}))
        assert form.is_valid(), (step.slug, form.errors)
        filing = filing_save_step(filing=filing, by=by, step=step.slug, cleaned_data=form.cleaned_data)
    return filing


def confirm_with_codes_and_submit(filing, by, capture):
    """Send the codes, confirm every party with the code from its phone, upload the signature page, submit."""
    with capture(execute=True):
        form_request_codes(filing=filing, by=by)
    filing.refresh_from_db()
    for party in filing.parties.select_related("account"):
        filing = form_confirm_with_code(
            filing=filing, by=by, party_id=party.pk, code=latest_code_in_outbox(party.account.phone)
        )
        filing.refresh_from_db()
    signature_page_upload(
        filing=filing, by=by, data=read_private_file(filing.form_storage_name), filename="signed.pdf"
    )
    return filing_submit(filing=filing, by=by)
