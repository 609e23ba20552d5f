"""Deposits built online (在线生成): an uploaded source archive or manual becomes a deposit PDF in a worker.

The upload is stored as a private file and a ``DepositBuild`` queued through the outbox; the worker runs the
deposit builder (``ruanzhu.deposits``), writing its progress to the build row as it goes, then deletes the
upload whatever the outcome. A finished result becomes the filing's deposit only when the applicant accepts it,
through ``filing_upload_document``: the same checks as a PDF uploaded by hand. A failed build touches nothing of
the filing.
"""

import io
import logging
import re
import subprocess
import tempfile
import time
from base64 import b64encode
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.files import delete_private_file, read_private_file, store_private_file
from ruanzhu.core.outbox import outbox_enqueue, outbox_entry_done, outbox_entry_pending
from ruanzhu.core.pdfs import PdfRejected, is_pdf, pdf_intake
from ruanzhu.core.uploads import megabytes
from ruanzhu.deposits import DepositError, build_document_deposit, build_program_deposit
from ruanzhu.deposits.progress import Progress
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import DepositBuild, Filing, FilingDocument
from ruanzhu.filings.services.common import FilingError, require_editable
from ruanzhu.filings.services.documents import filing_upload_document

logger = logging.getLogger(__name__)

BUILD_FOLDER = "filings/builds"
# The largest source archive or manual taken; nginx lets the same through on these URLs.
SOURCE_MAX_BYTES = 50 * 1024 * 1024
# What an archive may expand to: far above the source of any program, far below a zip bomb's ambition.
EXPANDED_MAX_BYTES = 300 * 1024 * 1024
# The manual of a large program may run to hundreds of pages; the deposit takes 60 of them.
MANUAL_MAX_PAGES = 5000
# Exception deposits the online builder makes; the others need line ranges or an object file (command line).
ONLINE_EXCEPTIONS = ("", "first10")
PROGRAM_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
MANUAL_SUFFIXES = (".pdf", ".docx", ".md", ".markdown", ".txt")
# The first bytes of the archives the builder opens: zip, gzip, bzip2, xz; a plain tar says "ustar" at 257.
ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")
PREVIEW_WIDTH = 480
_FOUND_FILES = re.compile(r"找到 (\d+) 个源文件")
# How often the worker writes its progress to the build's row.
PROGRESS_INTERVAL = 0.5


def _suffix_of(filename: str, suffixes: tuple[str, ...]) -> str:
    lower = filename.lower()
    return next((suffix for suffix in suffixes if lower.endswith(suffix)), "")


def _looks_like_archive(data: bytes) -> bool:
    return data.startswith(ARCHIVE_MAGICS) or data[257:262] == b"ustar"


def _source_suffix(*, deposit: str, data: bytes, filename: str) -> str:
    """Return the suffix under which the builder reads the upload; raise FilingError for what it cannot read."""
    if deposit == "program":
        suffix = _suffix_of(filename, PROGRAM_SUFFIXES)
        if not suffix or not _looks_like_archive(data):
            raise FilingError(_("请上传 .zip 或 .tar.gz 格式的源程序压缩包。"))
        return suffix
    suffix = _suffix_of(filename, MANUAL_SUFFIXES)
    if not suffix or (suffix == ".pdf") != is_pdf(data) or (suffix == ".docx" and not data.startswith(b"PK")):
        raise FilingError(_("请上传 PDF、Word（.docx）或 Markdown 格式的用户手册。"))
    return suffix


def _safe_name(filename: str) -> str:
    """Return the last part of an uploaded file's name with only letters, digits, dots and dashes."""
    suffix = _suffix_of(filename, PROGRAM_SUFFIXES + MANUAL_SUFFIXES)
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = re.sub(r"[^\w.\-]", "_", base[: len(base) - len(suffix)])
    return (stem.strip(".") or "source")[:100] + suffix


def _header(filing: Filing) -> tuple[str, str]:
    header = definition_for(filing.service).deposit_header(filing.details)
    if header is None:
        raise FilingError(_("请先填写软件全称和版本号，鉴别材料的页眉须与之一致。"))
    return header


def _discard_files(build: DepositBuild) -> None:
    """Delete the build's files once the transaction that let go of them commits."""
    names = [name for name in (build.source_storage_name, build.result_storage_name) if name]
    transaction.on_commit(lambda: [delete_private_file(name) for name in names])


def deposit_build_start(*, filing: Filing, by, kind: str, data: bytes, filename: str) -> DepositBuild:
    """Store an uploaded source archive or manual and queue the build of the deposit ``kind`` from it."""
    from ruanzhu.filings.tasks import deposit_build_task

    definition = definition_for(filing.service)
    spec = definition.document(kind)
    if spec is None or not spec.deposit:
        raise FilingError(_("本申请不需要此材料。"))
    require_editable(filing)
    if not data:
        raise FilingError(_("文件是空的。"))
    if len(data) > SOURCE_MAX_BYTES:
        raise FilingError(_("文件不能超过%(size)s。") % {"size": megabytes(SOURCE_MAX_BYTES)})
    suffix = _source_suffix(deposit=spec.deposit, data=data, filename=filename)
    _header(filing)
    if definition.deposit_exception(filing.details, spec.deposit) not in ONLINE_EXCEPTIONS:
        raise FilingError(
            _(
                "所选的例外交存方式需要指定涂黑范围或目标程序，请用命令行工具 ruanzhu deposit program 生成后上传。"
            )
        )
    # Stored under the archive's last suffix (.gz of .tar.gz): the worker reads it under the uploaded name.
    storage_name = store_private_file(
        content=data, folder=BUILD_FOLDER, suffix="." + suffix.rsplit(".", 1)[1]
    )
    with transaction.atomic():
        previous = DepositBuild.objects.select_for_update().filter(filing=filing, kind=kind).first()
        if previous is not None:
            _discard_files(previous)
            previous.delete()
        build = DepositBuild.objects.create(
            filing=filing,
            kind=kind,
            source_original_name=(filename or kind)[:200],
            source_storage_name=storage_name,
            created_by=by,
        )
        outbox_enqueue(task=deposit_build_task, args=[build.pk])
    return build


class _BuildProgress(Progress):
    """Write the builder's progress to the build's row, a few times a second at most."""

    def __init__(self, build_id: int) -> None:
        super().__init__(None, interval=PROGRESS_INTERVAL)
        self.build_id = build_id
        self.total_files = 0

    def _save(self, **fields) -> None:
        DepositBuild.objects.filter(pk=self.build_id, status=DepositBuild.Status.RUNNING).update(**fields)

    def note_stage(self, stage: str, progress: int) -> None:
        """Move the bar to the start of a stage."""
        self._save(stage=stage, progress=progress)

    def note(self, message: str) -> None:
        # The builder reports in sentences; the number of files found sizes the bar of the reading stage.
        found = _FOUND_FILES.search(message)
        if found:
            self.total_files = int(found.group(1))
            self._save(stage=DepositBuild.Stage.READING, progress=20)
        elif message.startswith("共 "):
            self.note_stage(DepositBuild.Stage.RENDERING, 85)

    def tick(self, files: int, lines: int) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        share = min(files / self.total_files, 1.0) if self.total_files else 0.0
        self._save(progress=20 + int(60 * share), files=files, lines=lines)


def _build(build: DepositBuild, source: Path, progress: "_BuildProgress"):
    """Run the builder on the stored upload; return its summary."""
    filing = build.filing
    name, version = _header(filing)
    definition = definition_for(filing.service)
    deposit = definition.document(build.kind).deposit
    if deposit == "program":
        return build_program_deposit(
            source,
            io.BytesIO(),
            name=name,
            version=version,
            exception=definition.deposit_exception(filing.details, deposit) or None,
            max_expanded_bytes=EXPANDED_MAX_BYTES,
            progress=progress,
        )
    if source.suffix == ".pdf":
        try:
            pdf_intake(source.read_bytes(), max_pages=MANUAL_MAX_PAGES)
        except PdfRejected as rejection:
            raise DepositError(rejection.message) from None
    progress.note_stage(DepositBuild.Stage.RENDERING, 40)
    return build_document_deposit(source, io.BytesIO(), name=name, version=version, progress=progress)


def _finish(build_id: int, *, outbox_entry: int | None, **fields) -> bool:
    """Record the outcome and settle the outbox entry together; return whether the build still exists."""
    with transaction.atomic():
        updated = DepositBuild.objects.filter(pk=build_id).update(finished_at=timezone.now(), **fields)
        outbox_entry_done(entry_id=outbox_entry)
    return bool(updated)


def _fail_interrupted(build_id: int) -> None:
    """Fail a build found running when its entry is delivered again: the worker that ran it died mid-build."""
    build = DepositBuild.objects.filter(pk=build_id, status=DepositBuild.Status.RUNNING).first()
    if build is None:
        return
    source_name = build.source_storage_name
    DepositBuild.objects.filter(pk=build_id).update(
        status=DepositBuild.Status.FAILED,
        error=_("生成中断，请重新上传。"),
        source_storage_name="",
        finished_at=timezone.now(),
    )
    if source_name:
        transaction.on_commit(lambda: delete_private_file(source_name))


def deposit_build_run(*, build_id: int, outbox_entry: int | None = None) -> None:
    """Build the deposit of a queued build (in a worker), then delete its upload whatever the outcome."""
    with transaction.atomic():
        if not outbox_entry_pending(entry_id=outbox_entry):
            return
        # The claim commits at once, so that the applicant's page sees the build running and its progress.
        claimed = DepositBuild.objects.filter(pk=build_id, status=DepositBuild.Status.QUEUED).update(
            status=DepositBuild.Status.RUNNING, stage=DepositBuild.Stage.OPENING, progress=5
        )
        if not claimed:
            if outbox_entry is not None:
                _fail_interrupted(build_id)
            outbox_entry_done(entry_id=outbox_entry)
            return
    build = DepositBuild.objects.select_related("filing").filter(pk=build_id).first()
    if build is None:  # discarded right after the claim
        return
    try:
        with tempfile.TemporaryDirectory(prefix="ruanzhu-build-") as folder:
            # Under the applicant's own file name (made safe), which the builder's messages quote.
            source = Path(folder) / _safe_name(build.source_original_name)
            try:
                source.write_bytes(read_private_file(build.source_storage_name))
                summary = _build(build, source, _BuildProgress(build_id))
            except (DepositError, FilingError) as error:
                # Builder messages may name the temporary folder: the applicant knows the files by their own path.
                message = error.message.replace(f"{folder}/", "").replace(folder, "")
                _finish(
                    build_id,
                    outbox_entry=outbox_entry,
                    status=DepositBuild.Status.FAILED,
                    error=message,
                    source_storage_name="",
                )
                return
            except Exception:
                logger.exception("deposit build failed: build=%s", build_id)
                _finish(
                    build_id,
                    outbox_entry=outbox_entry,
                    status=DepositBuild.Status.FAILED,
                    error=_("生成失败，请稍后重试；如果再次失败，请用命令行工具生成后上传。"),
                    source_storage_name="",
                )
                return
        result_name = store_private_file(content=summary.data, folder=BUILD_FOLDER, suffix=".pdf")
        kept = _finish(
            build_id,
            outbox_entry=outbox_entry,
            status=DepositBuild.Status.DONE,
            stage=DepositBuild.Stage.FINISHED,
            progress=100,
            files=summary.files,
            lines=summary.printed_lines,
            source_pages=summary.source_pages,
            pages=summary.output_pages,
            source_storage_name="",
            result_storage_name=result_name,
        )
        if not kept:  # discarded or replaced while it ran
            delete_private_file(result_name)
    finally:
        delete_private_file(build.source_storage_name)


def deposit_build_accept(*, build: DepositBuild, by) -> FilingDocument:
    """Make a finished build the filing's deposit through the upload's own checks; the build is then done with."""
    if build.status != DepositBuild.Status.DONE or not build.result_storage_name:
        raise FilingError(_("鉴别材料尚未生成完成。"))
    stem = build.source_original_name.rsplit("/", 1)[-1]
    for suffix in PROGRAM_SUFFIXES + MANUAL_SUFFIXES:
        stem = stem.removesuffix(suffix)
    document = filing_upload_document(
        filing=build.filing,
        by=by,
        kind=build.kind,
        data=read_private_file(build.result_storage_name),
        filename=f"{stem or build.kind}.pdf",
    )
    deposit_build_discard(build=build)
    return document


def deposit_build_discard(*, build: DepositBuild) -> None:
    """Delete a build and its files (a running build's worker then throws its result away)."""
    with transaction.atomic():
        _discard_files(build)
        DepositBuild.objects.filter(pk=build.pk).delete()


def deposit_build_preview(*, build: DepositBuild) -> list[tuple[int, str]]:
    """Return the first and last pages of a finished build as (page number, PNG data: URI) pairs.

    Rendered by poppler's pdftoppm; without it (or for a page it cannot render) the preview is simply shorter.
    """
    if build.status != DepositBuild.Status.DONE or not build.result_storage_name:
        return []
    data = read_private_file(build.result_storage_name)
    pages = sorted({1, build.pages}) if build.pages else [1]
    images = []
    for number in pages:
        command = ["pdftoppm", "-png", "-singlefile", "-f", str(number), "-l", str(number)]
        command += ["-scale-to", str(PREVIEW_WIDTH), "-"]
        try:
            rendered = subprocess.run(command, input=data, capture_output=True, timeout=30, check=True)  # noqa: S603
        except (OSError, subprocess.SubprocessError):
            logger.warning("deposit preview not rendered: build=%s page=%s", build.pk, number)
            continue
        images.append((number, "data:image/png;base64," + b64encode(rendered.stdout).decode("ascii")))
    return images
