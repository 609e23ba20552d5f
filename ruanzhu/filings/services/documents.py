"""Files of a filing: deposits checked against the deposit rules at upload, other documents cleaned."""

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.files import delete_private_file, read_private_file, store_private_file
from ruanzhu.core.pdfs import PdfRejected, is_pdf, pdf_intake
from ruanzhu.deposits import check_deposit
from ruanzhu.filings.definitions import definition_for, definitions
from ruanzhu.filings.models import Filing, FilingDocument
from ruanzhu.filings.services.common import FilingError, content_changed, lock, require_editable
from ruanzhu.identity.images.sanitize import UploadRejected, sanitize_upload

UPLOAD_FOLDER = "filings"
SIGNATURE_PAGE = "signature_page"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}MB"


def pdf_page_count(data: bytes) -> int:
    """Return the page count of a PDF the PDF intake accepts; raise FilingError with its reason otherwise."""
    try:
        return pdf_intake(data).page_count
    except PdfRejected as rejection:
        raise FilingError(rejection.message) from None


def clean_upload(data: bytes, *, accept_images: bool) -> tuple[bytes, str, str, int | None]:
    """Return (content, content type, extension, page count) of an acceptable upload; raise FilingError."""
    if is_pdf(data):
        return data, "application/pdf", "pdf", pdf_page_count(data)
    if not accept_images:
        raise FilingError(_("请上传PDF文件。"))
    try:
        image = sanitize_upload(data, max_bytes=len(data) + 1)
    except UploadRejected as rejection:
        raise FilingError(
            _("请上传PDF文件，或jpg、png、jpeg格式的图片。")
            if rejection.code == "wrong_type"
            else rejection.message
        ) from None
    return image.content, image.content_type, image.extension, None


def deposit_problems(filing: Filing, *, deposit: str, data: bytes) -> tuple[list[dict], int]:
    """Check a deposit against the rules with the form's name and version; return (problems, page count)."""
    definition = definition_for(filing.service)
    header = definition.deposit_header(filing.details)
    if header is None:
        raise FilingError(_("请先填写软件全称和版本号，鉴别材料的页眉须与之一致。"))
    name, version = header
    result = check_deposit(
        data,
        kind=deposit,
        name=name,
        version=version,
        exception=definition.deposit_exception(filing.details, deposit) or None,
    )
    problems = [
        {"page": problem.page, "code": problem.code, "message": problem.message}
        for problem in result.problems
    ]
    problems += [
        {"page": None, "code": "size", "message": message}
        for message in definition.deposit_size_problems(filing.details, deposit, result.page_count)
    ]
    return problems, result.page_count


def deposit_upload_check(filing: Filing, *, deposit: str, data: bytes) -> int:
    """Pass an uploaded deposit through the PDF intake, then the deposit rules; return its page count."""
    pdf_page_count(data)
    problems, page_count = deposit_problems(filing, deposit=deposit, data=data)
    if problems:
        raise FilingError("\n".join(problem["message"] for problem in problems))
    return page_count


def filing_upload_document(*, filing: Filing, by, kind: str, data: bytes, filename: str) -> FilingDocument:
    """Check and store a document of the filing; a deposit that breaks a rule is refused, page by page."""
    definition = definition_for(filing.service)
    spec = definition.document(kind)
    if spec is None or (not spec.required(filing.details) and not spec.deposit):
        raise FilingError(_("本申请不需要此材料。"))
    limit = getattr(settings, spec.max_bytes_setting)
    if len(data) > limit:
        raise FilingError(_("文件不能超过%(size)s。") % {"size": _megabytes(limit)})
    if not data:
        raise FilingError(_("文件是空的。"))
    if spec.deposit:
        page_count = deposit_upload_check(filing, deposit=spec.deposit, data=data)
        content, content_type, extension = data, "application/pdf", "pdf"
    else:
        content, content_type, extension, page_count = clean_upload(data, accept_images=spec.accept_images)
    return _store(
        filing=filing,
        by=by,
        kind=kind,
        content=content,
        content_type=content_type,
        extension=extension,
        filename=filename,
        page_count=page_count,
        counts_as_content=True,
    )


def _store(
    *, filing, by, kind, content, content_type, extension, filename, page_count, counts_as_content
) -> FilingDocument:
    storage_name = store_private_file(content=content, folder=UPLOAD_FOLDER, suffix="." + extension)
    with transaction.atomic():
        filing = lock(filing)
        require_editable(filing)
        previous = filing.documents.filter(kind=kind).first()
        document, _created = FilingDocument.objects.update_or_create(
            filing=filing,
            kind=kind,
            defaults={
                "original_name": (filename or kind)[:200],
                "storage_name": storage_name,
                "content_type": content_type,
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "page_count": page_count,
                "problems": [],
                "uploaded_at": timezone.now(),
            },
        )
        if counts_as_content:
            content_changed(filing, by=by)
        if previous is not None:
            old_name = previous.storage_name
            transaction.on_commit(lambda: delete_private_file(old_name))
    return document


def documents_recheck(*, filing: Filing) -> None:
    """Check the stored deposits again (after the name, version or deposit mode changed)."""
    definition = definition_for(filing.service)
    for document in filing.documents.all():
        spec = definition.document(document.kind)
        if spec is None or not spec.deposit:
            continue
        try:
            problems, _count = deposit_problems(
                filing, deposit=spec.deposit, data=read_private_file(document.storage_name)
            )
        except FilingError as error:
            problems = [{"page": None, "code": "header_unknown", "message": error.message}]
        FilingDocument.objects.filter(pk=document.pk).update(problems=problems)


def signature_page_upload(*, filing: Filing, by, data: bytes, filename: str) -> FilingDocument:
    """Store the signed and sealed 申请确认签章页 (PDF or image) of an issued form."""
    if filing.status != "form_issued":
        raise FilingError(_("请先出申请表，再上传签章页。"))
    limit = settings.FILING_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise FilingError(_("文件不能超过%(size)s。") % {"size": _megabytes(limit)})
    content, content_type, extension, page_count = clean_upload(data, accept_images=True)
    return _store(
        filing=filing,
        by=by,
        kind=SIGNATURE_PAGE,
        content=content,
        content_type=content_type,
        extension=extension,
        filename=filename,
        page_count=page_count,
        counts_as_content=False,
    )


def document_max_bytes(*, kind: str, **url_kwargs) -> int:
    """Return the largest file any service accepts as a document of ``kind``; each service checks its own."""
    limits = [
        getattr(settings, spec.max_bytes_setting)
        for definition in definitions()
        for spec in definition.documents
        if spec.kind == kind
    ]
    return max(limits, default=settings.FILING_UPLOAD_MAX_BYTES)
