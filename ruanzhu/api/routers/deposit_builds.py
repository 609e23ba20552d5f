"""在线生成 over the API: build a deposit from a source archive or manual, follow it, accept or discard it.

The same services as the deposits' step (ruanzhu.filings.views.deposit_builds): the build runs on the workers,
its progress is read from its row, and accepting it makes it the deposit through the upload's own checks.
"""

import datetime

from django.http import Http404
from ninja import Path, Router, Schema, Status

from ruanzhu.api.auth import FILE, READ
from ruanzhu.api.errors import ProblemOut
from ruanzhu.api.routers.filings import ERRORS, PK_MAX, FilingDocumentOut, document_out
from ruanzhu.api.routers.lifecycle import REFUSED, UPLOAD_BODY, read_upload
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import DepositBuild
from ruanzhu.filings.selectors import Purpose, filing_for
from ruanzhu.filings.services.deposit_builds import (
    deposit_build_accept,
    deposit_build_discard,
    deposit_build_start,
)

router = Router(tags=["deposit builds"])


class DepositBuildOut(Schema):
    kind: str
    # queued, running, done or failed; the page polls while queued or running.
    status: str
    status_label: str
    progress: int
    stage: str
    stage_label: str
    files: int
    lines: int
    # All the pages of the source, and the pages the deposit takes of them.
    source_pages: int
    pages: int
    source_filename: str
    error: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def _deposit(user, pk: int, kind: str):
    """Return the filing (404 unless ``user`` may edit it) and the kind of one of its deposits."""
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)
    spec = definition_for(filing.service).document(kind)
    if spec is None or not spec.deposit:
        raise Http404
    return filing


def _build(filing, kind: str) -> DepositBuild:
    build = DepositBuild.objects.filter(filing=filing, kind=kind).first()
    if build is None:
        raise Http404
    return build


def build_out(build: DepositBuild) -> dict:
    return {
        "kind": build.kind,
        "status": build.status,
        "status_label": str(build.get_status_display()),
        "progress": build.progress,
        "stage": build.stage,
        "stage_label": str(build.get_stage_display()),
        "files": build.files,
        "lines": build.lines,
        "source_pages": build.source_pages,
        "pages": build.pages,
        "source_filename": build.source_original_name,
        "error": build.error,
        "created_at": build.created_at,
        "finished_at": build.finished_at,
    }


PATH = "/filings/{pk}/deposit-builds/{kind}"


@router.post(
    PATH,
    auth=FILE,
    response={202: DepositBuildOut, **REFUSED, 413: ProblemOut, **ERRORS},
    operation_id="filings_deposit_build_start",
    url_name="filing_deposit_build",
    summary="Start building a deposit from a source archive or manual (multipart, field file); replaces any build",
    openapi_extra=UPLOAD_BODY,
)
def filings_deposit_build_start(
    request, pk: int = Path(..., ge=1, le=PK_MAX), kind: str = Path(..., max_length=40)
):
    user = request.auth.user
    filing = _deposit(user, pk, kind)
    upload = read_upload(request)
    build = deposit_build_start(filing=filing, by=user, kind=kind, data=upload.read(), filename=upload.name)
    return Status(202, build_out(build))


@router.get(
    PATH,
    auth=READ,
    response={200: DepositBuildOut, **ERRORS},
    operation_id="filings_deposit_build",
    url_name="filing_deposit_build",
    summary="Follow a deposit's build: its status, stage and progress",
)
def filings_deposit_build(
    request, pk: int = Path(..., ge=1, le=PK_MAX), kind: str = Path(..., max_length=40)
):
    return build_out(_build(_deposit(request.auth.user, pk, kind), kind))


@router.delete(
    PATH,
    auth=FILE,
    response={204: None, **ERRORS},
    operation_id="filings_deposit_build_discard",
    url_name="filing_deposit_build",
    summary="放弃: discard the build and its files; the filing's deposit stays as it was",
)
def filings_deposit_build_discard(
    request, pk: int = Path(..., ge=1, le=PK_MAX), kind: str = Path(..., max_length=40)
):
    deposit_build_discard(build=_build(_deposit(request.auth.user, pk, kind), kind))
    return Status(204, None)


@router.post(
    PATH + "/accept",
    auth=FILE,
    response={200: FilingDocumentOut, **REFUSED, **ERRORS},
    operation_id="filings_deposit_build_accept",
    url_name="filing_deposit_build_accept",
    summary="使用此文件: make the finished build the deposit, through the upload's own checks",
)
def filings_deposit_build_accept(
    request, pk: int = Path(..., ge=1, le=PK_MAX), kind: str = Path(..., max_length=40)
):
    user = request.auth.user
    build = _build(_deposit(user, pk, kind), kind)
    return document_out(deposit_build_accept(build=build, by=user))
