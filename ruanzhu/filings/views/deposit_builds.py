"""在线生成 on the deposits' step: start a build from an archive or manual, follow it, accept or discard it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.accounts.decorators import applicant_required
from ruanzhu.core.uploads import upload_limit
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import DepositBuild
from ruanzhu.filings.selectors import Purpose, filing_for
from ruanzhu.filings.services.deposit_builds import (
    SOURCE_MAX_BYTES,
    deposit_build_accept,
    deposit_build_discard,
    deposit_build_start,
)
from ruanzhu.filings.templatetags.deposit_builds import builder_context
from ruanzhu.filings.views.common import REFUSALS, note_voided, refusal_message, step_url
from ruanzhu.filings.views.files import read_upload


def _deposit(request, pk: int, kind: str):
    """Return the filing (404 unless the user may edit it) and the spec of its deposit ``kind``."""
    filing = filing_for(request.user, pk=pk, purpose=Purpose.EDIT)
    spec = definition_for(filing.service).document(kind)
    if spec is None or not spec.deposit:
        raise Http404
    return filing, spec


def _answer(request, filing, spec, *, error: str = ""):
    """Answer htmx with the fragment, a plain form with the step page and a message."""
    if request.headers.get("HX-Request"):
        return render(request, "filings/_deposit_build.html", builder_context(filing, spec, error=error))
    if error:
        messages.error(request, error)
    return redirect(step_url(filing, spec.step) + f"#build-{spec.kind}")


@upload_limit(SOURCE_MAX_BYTES)
@applicant_required
@require_POST
def deposit_build_start_view(request, pk: int, kind: str):
    """Take a source archive or manual and queue the build of the deposit from it."""
    filing, spec = _deposit(request, pk, kind)
    content, filename, error = read_upload(request)
    if content is not None:
        try:
            deposit_build_start(filing=filing, by=request.user, kind=kind, data=content, filename=filename)
        except REFUSALS as refusal:
            error = refusal_message(refusal)
    return _answer(request, filing, spec, error=error)


@applicant_required
@require_GET
def deposit_build_status(request, pk: int, kind: str):
    """The builder fragment of one deposit, which polls itself while the build runs."""
    filing, spec = _deposit(request, pk, kind)
    return render(request, "filings/_deposit_build.html", builder_context(filing, spec))


@applicant_required
@require_POST
def deposit_build_accept_view(request, pk: int, kind: str):
    """使用此文件: the built PDF becomes the deposit through the upload's own checks."""
    filing, spec = _deposit(request, pk, kind)
    build = DepositBuild.objects.filter(filing=filing, kind=kind).first()
    if build is None:
        messages.error(request, _("没有可使用的生成结果。"))
        return redirect(step_url(filing, spec.step) + f"#build-{kind}")
    before = filing.status
    try:
        deposit_build_accept(build=build, by=request.user)
    except REFUSALS as refusal:
        messages.error(
            request,
            _("%(label)s未上传：%(error)s") % {"label": spec.label, "error": refusal_message(refusal)},
        )
    else:
        messages.success(request, _("%(label)s已上传。") % {"label": spec.label})
        note_voided(request, before=before, filing=filing)
    return redirect(step_url(filing, spec.step) + f"#slot-{kind}")


@applicant_required
@require_POST
def deposit_build_discard_view(request, pk: int, kind: str):
    """放弃: delete the build and its files; the filing's deposit stays as it was."""
    filing, spec = _deposit(request, pk, kind)
    build = DepositBuild.objects.filter(filing=filing, kind=kind).first()
    if build is None:
        messages.error(request, _("没有可使用的生成结果。"))
    else:
        deposit_build_discard(build=build)
        messages.success(request, _("已放弃在线生成的%(label)s。") % {"label": spec.label})
    return redirect(step_url(filing, spec.step) + f"#build-{kind}")
