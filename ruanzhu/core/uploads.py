"""Upload limits enforced while the request body streams in, before any view reads a file.

A view that takes files declares its limit with ``@upload_limit``. ``LimitedUploadHandler``, first in
FILE_UPLOAD_HANDLERS, finds that declaration through ``request.resolver_match`` (URL resolution happens before
CsrfViewMiddleware parses the body) and stops reading the request as soon as a file passes the limit, or at the
first file when the declared Content-Length already exceeds what the view accepts. The form fields sent before
the file (the CSRF token first of all) are kept, so the view still answers with its own page or htmx fragment:
it asks ``upload_refusal(request)`` first and shows that message. A view that declares no limit takes no files.

Only what the handler let through reaches the view, so ``upload.read()`` there reads at most the limit.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext as _

# Room in a request for the form's own fields and the multipart headers around its files.
FIELDS_ALLOWANCE = 1024 * 1024

_REFUSAL_ATTRIBUTE = "upload_refusal_message"

# A number of bytes or files: a setting's name, a number, or a function of the URL's keyword arguments.
Amount = str | int | Callable[..., int]


def _amount(amount: Amount, url_kwargs: dict) -> int:
    if isinstance(amount, str):
        return getattr(settings, amount)
    if callable(amount):
        return amount(**url_kwargs)
    return amount


@dataclass(frozen=True)
class UploadLimit:
    """The largest file a view accepts and how many files one request may carry."""

    max_bytes: Amount
    files: Amount = 1

    def resolve(self, url_kwargs: dict) -> tuple[int, int]:
        return _amount(self.max_bytes, url_kwargs), _amount(self.files, url_kwargs)


def upload_limit(max_bytes: Amount, *, files: Amount = 1):
    """Declare the largest file (and the number of files) the decorated view accepts; put it outermost."""

    def declare(view):
        view.upload_limit = UploadLimit(max_bytes=max_bytes, files=files)
        return view

    return declare


def upload_refusal(request: HttpRequest) -> str:
    """Return why the request's files were refused while streaming in, or "" when they were not."""
    request.FILES  # noqa: B018 - parse the body now, so that the handler has had its say
    return getattr(request, _REFUSAL_ATTRIBUTE, "")


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}MB"


def _declared_limits(request: HttpRequest) -> tuple[int, int]:
    """Return (largest file, number of files) the view of ``request`` accepts; (0, 0) when it takes none."""
    match = getattr(request, "resolver_match", None)
    limit = getattr(match.func, "upload_limit", None) if match is not None else None
    if limit is None:
        return 0, 0
    return limit.resolve(match.kwargs)


class LimitedUploadHandler(FileUploadHandler):
    """Stop reading a multipart request at the first byte past the view's upload limit.

    The upload stops with ``connection_reset``: the rest of the body is left unread rather than drained, and
    the files received so far are closed (a temporary file is deleted) by the parser.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.max_bytes, self.max_files = _declared_limits(self.request)
        self.files_started = 0
        self.declared_too_large = content_length > self.max_bytes * self.max_files + FIELDS_ALLOWANCE
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.files_started += 1
        if self.max_files == 0:
            raise StopUpload(connection_reset=True)
        if self.declared_too_large:
            self._refuse(self._too_large())
        if self.files_started > self.max_files:
            self._refuse(_("一次最多上传%(count)d个文件。") % {"count": self.max_files})

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self._refuse(self._too_large())
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (in memory or a temporary file) builds the file

    def _too_large(self) -> str:
        return _("文件不能超过%(size)s。") % {"size": megabytes(self.max_bytes)}

    def _refuse(self, message: str):
        setattr(self.request, _REFUSAL_ATTRIBUTE, message)
        raise StopUpload(connection_reset=True)
