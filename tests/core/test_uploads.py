"""Upload limits hold while the body streams in: a request past a view's limit is not read, held or stored.

The requests here are real multipart bodies produced as the server reads them (``StreamedUpload``), so each test
can count how many bytes the portal took from the wire and how much memory the request cost.
"""

import dataclasses
import io
import tracemalloc

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from ruanzhu.agents.services import LETTER_MAX_BYTES
from ruanzhu.core.review import item_claim
from ruanzhu.examination import services as examination
from ruanzhu.filings.definitions import definition_for, register, unregister
from ruanzhu.identity.models import VerificationDocument
from tests.factories import FilingFactory, MandateFactory

MB = 1024 * 1024
BOUNDARY = "RuanzhuTestBoundary0123456789"
CSRF_TOKEN = "k" * 32
# What the parser may read past the point where it stops: its own chunks (64 KB) and the parts' headers.
READ_AHEAD = 256 * 1024


class StreamedUpload(io.RawIOBase):
    """A multipart/form-data body made as it is read, counting the bytes the server consumed."""

    _BLOCK = bytes(64 * 1024)

    def __init__(self, files: list[tuple[str, int]], fields: dict[str, str] | None = None) -> None:
        fields = {"csrfmiddlewaretoken": CSRF_TOKEN, **(fields or {})}
        self._pieces = []
        for name, value in fields.items():
            self._add(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
        for name, size in files:
            self._add(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.jpg"\r\n'
                "Content-Type: image/jpeg\r\n\r\n"
            )
            self._pieces.append(size)
            self._add("\r\n")
        self._add(f"--{BOUNDARY}--\r\n")
        self.length = sum(len(piece) if isinstance(piece, bytes) else piece for piece in self._pieces)
        self.consumed = 0
        self._chunks = self._produce()
        self._current = memoryview(b"")

    def _add(self, text: str) -> None:
        self._pieces.append(text.encode())

    def _produce(self):
        for piece in self._pieces:
            if isinstance(piece, bytes):
                yield piece
                continue
            for _ in range(piece // len(self._BLOCK)):
                yield self._BLOCK
            yield self._BLOCK[: piece % len(self._BLOCK)]

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._current:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._current = memoryview(chunk)
        size = min(len(target), len(self._current))
        target[:size] = self._current[:size]
        self._current = self._current[size:]
        self.consumed += size
        return size


def post_streamed(client, url: str, body: StreamedUpload, **headers):
    return client.generic(
        "POST",
        url,
        **{
            "wsgi.input": body,
            "CONTENT_LENGTH": str(body.length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            **headers,
        },
    )


def csrf_client(user) -> Client:
    """A client that the CSRF checks apply to, as a browser: the token comes first in every form."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies[django_settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
    return client


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def _temporary_files(settings, tmp_path, private_storage):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return tmp_path / "uploads"


def test_a_400_mb_identity_photo_is_refused_after_reading_a_few_kilobytes(applicant, _temporary_files):
    client, url = csrf_client(applicant), reverse("identity:upload", args=["id_front"])
    post_streamed(client, url, StreamedUpload([("file", 1000)]))  # loads code and templates once
    body = StreamedUpload([("file", 400 * MB)])
    tracemalloc.start()
    try:
        response = post_streamed(client, url, body, HTTP_HX_REQUEST="true")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="upload-error-id_front"' in page and "文件不能超过5MB。" in page
    assert body.consumed < READ_AHEAD
    assert peak < 2 * MB  # reading the file whole cost 400 MB
    assert not VerificationDocument.objects.exists()
    assert not any(_temporary_files.iterdir())


def test_a_file_past_the_limit_is_refused_as_it_streams_in(applicant, settings):
    settings.IDENTITY_UPLOAD_MAX_BYTES = 1 * MB
    # The request as a whole fits what the view accepts; only the file's bytes, as they arrive, give it away.
    body = StreamedUpload([("file", 1 * MB + 512 * 1024)])
    response = post_streamed(csrf_client(applicant), reverse("identity:upload", args=["id_front"]), body)
    assert response.status_code == 302 and response.url == reverse("identity:step3")
    assert texts(response) == ["文件不能超过1MB。"]
    assert body.consumed < 1 * MB + READ_AHEAD < body.length
    assert not VerificationDocument.objects.exists()


def test_a_file_on_disk_is_deleted_when_it_passes_the_limit(
    verified_alice, deposits, settings, _temporary_files
):
    # Past FILE_UPLOAD_MAX_MEMORY_SIZE the upload goes to a temporary file until the limit stops it.
    settings.FILING_UPLOAD_MAX_BYTES = 6 * MB
    draft = FilingFactory(applicant=verified_alice, deposits=deposits)
    before = set(draft.documents.values_list("pk", "sha256"))
    body = StreamedUpload([("file", 6 * MB + 512 * 1024)])
    response = post_streamed(
        csrf_client(verified_alice),
        reverse("filings:upload", args=[draft.pk, "program_deposit"]),
        body,
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="upload-error-program_deposit"' in response.content.decode()
    assert "文件不能超过6MB。" in response.content.decode()
    assert body.consumed < 6 * MB + READ_AHEAD < body.length
    assert set(draft.documents.values_list("pk", "sha256")) == before
    assert not any(_temporary_files.iterdir())


def test_a_file_within_the_limit_reaches_the_view_whole(verified_alice, deposits, _temporary_files):
    # Larger than what is kept in memory, within the filing limit: read whole and judged by the service.
    draft = FilingFactory(applicant=verified_alice, deposits=deposits)
    body = StreamedUpload([("file", 6 * MB)])
    response = post_streamed(
        csrf_client(verified_alice), reverse("filings:upload", args=[draft.pk, "program_deposit"]), body
    )
    assert body.consumed == body.length
    assert any("请上传PDF文件" in text for text in texts(response))
    assert not any(_temporary_files.iterdir())


def test_a_second_file_is_refused_before_it_is_read(applicant):
    body = StreamedUpload([("file", 1000), ("file", 2 * MB)])
    response = post_streamed(csrf_client(applicant), reverse("identity:upload", args=["id_front"]), body)
    assert texts(response) == ["一次最多上传1个文件。"]
    assert body.consumed < READ_AHEAD
    assert not VerificationDocument.objects.exists()


def test_a_file_sent_where_none_is_taken_is_not_read(alice):
    body = StreamedUpload([("file", 400 * MB)], fields={"identifier": "alice", "password": "wrong"})
    response = Client().generic(
        "POST",
        reverse("accounts:login"),
        **{
            "wsgi.input": body,
            "CONTENT_LENGTH": str(body.length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )
    assert response.status_code < 500
    assert body.consumed < READ_AHEAD


def test_form_fields_without_files_keep_the_usual_limit(applicant):
    # 3 MB of form fields is within DATA_UPLOAD_MAX_MEMORY_SIZE: read whole, as before.
    body = StreamedUpload([], fields={"note": "x" * (3 * MB)})
    response = post_streamed(csrf_client(applicant), reverse("identity:upload", args=["id_front"]), body)
    assert body.consumed == body.length
    assert texts(response) == ["请选择要上传的文件。"]


def test_a_refused_upload_still_passes_the_csrf_check_and_only_then_is_answered(applicant):
    client = csrf_client(applicant)
    client.cookies[django_settings.CSRF_COOKIE_NAME] = "w" * 32
    body = StreamedUpload([("file", 400 * MB)])
    response = post_streamed(client, reverse("identity:upload", args=["id_front"]), body)
    assert response.status_code == 403
    assert body.consumed < READ_AHEAD


# --- Every upload view -----------------------------------------------------------------------------------------
def test_identity_upload_without_htmx_goes_back_to_step_3_with_the_message(applicant):
    body = StreamedUpload([("file", 400 * MB)])
    response = post_streamed(csrf_client(applicant), reverse("identity:upload", args=["handheld"]), body)
    assert response.status_code == 302 and response.url == reverse("identity:step3")
    assert texts(response) == ["文件不能超过5MB。"]
    assert body.consumed < READ_AHEAD


def test_filing_document_upload_answers_with_its_message(verified_alice, deposits):
    draft = FilingFactory(applicant=verified_alice, deposits=deposits)
    before = set(draft.documents.values_list("pk", "sha256"))
    body = StreamedUpload([("file", 400 * MB)])
    response = post_streamed(
        csrf_client(verified_alice), reverse("filings:upload", args=[draft.pk, "document_deposit"]), body
    )
    assert response.status_code == 302
    assert texts(response) == ["文档鉴别材料未上传：文件不能超过20MB。"]
    assert body.consumed < READ_AHEAD
    assert set(draft.documents.values_list("pk", "sha256")) == before


def test_signature_page_upload_answers_with_its_message(verified_alice, verified_bob, deposits):
    filing = FilingFactory(
        confirmed=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )
    body = StreamedUpload([("file", 400 * MB)])
    response = post_streamed(
        csrf_client(verified_alice), reverse("filings:signature_page", args=[filing.pk]), body
    )
    assert response.status_code == 302
    assert texts(response) == ["签章页未上传：文件不能超过20MB。"]
    assert body.consumed < READ_AHEAD
    assert not filing.documents.filter(kind="signature_page").exists()


def test_mandate_letter_upload_answers_with_its_message(agent, alice):
    mandate = MandateFactory(agent=agent, client=alice)
    body = StreamedUpload([("file", 400 * MB)], fields={"back": "list"})
    response = post_streamed(csrf_client(alice), reverse("agents:upload_letter", args=[mandate.pk]), body)
    assert response.status_code == 302 and response.url == reverse("agents:mandates")
    assert texts(response) == [f"文件不能超过{LETTER_MAX_BYTES // MB}MB。"]
    assert body.consumed < READ_AHEAD
    mandate.refresh_from_db()
    assert mandate.letter_storage_name == ""


@pytest.fixture
def in_correction(verified_alice, verified_bob, examiner, deposits, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the development signing key is made here
    filing = FilingFactory(
        submitted=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )
    filing = item_claim(item=filing, by=examiner)
    filing = examination.filing_accept(filing=filing, by=examiner)
    filing = examination.examination_start(filing=filing, by=examiner)
    examination.correction_request(
        filing=filing,
        by=examiner,
        items=[examination.CorrectionItem("document:program_deposit", "程序鉴别材料页眉不清晰")],
    )
    filing.refresh_from_db()
    return filing


def test_correction_page_answers_with_its_message_and_keeps_the_filing(in_correction, verified_alice):
    documents = set(in_correction.documents.values_list("pk", "sha256"))
    body = StreamedUpload([("document_program_deposit", 400 * MB)])
    response = post_streamed(
        csrf_client(verified_alice),
        reverse("examination_applicant:correction", args=[in_correction.pk]),
        body,
    )
    assert response.status_code == 200
    assert texts(response) == ["文件不能超过20MB。"]
    assert body.consumed < READ_AHEAD
    in_correction.refresh_from_db()
    assert in_correction.status == "correction"
    assert set(in_correction.documents.values_list("pk", "sha256")) == documents


def test_correction_signature_page_answers_with_its_message(in_correction, verified_alice):
    documents = set(in_correction.documents.values_list("pk", "sha256"))
    body = StreamedUpload([("file", 400 * MB)])
    response = post_streamed(
        csrf_client(verified_alice),
        reverse("examination_applicant:correction_signature_page", args=[in_correction.pk]),
        body,
    )
    assert response.status_code == 302
    assert texts(response) == ["文件不能超过20MB。"]
    assert body.consumed < READ_AHEAD
    assert set(in_correction.documents.values_list("pk", "sha256")) == documents


def _upload_views(patterns, prefix="") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _upload_views(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "upload_limit"):
            names.add(prefix + pattern.name)
    return names


def test_exactly_the_upload_views_take_files():
    assert _upload_views(get_resolver().url_patterns) == {
        "identity:upload",
        "agents:upload_letter",
        "filings:upload",
        "filings:deposit_build_start",
        "filings:signature_page",
        "api:filing_document",
        "api:filing_signature_page",
        "api:filing_correction",
        "api:filing_correction_signature_page",
        "api:filing_deposit_build",
        "examination_applicant:correction",
        "examination_applicant:correction_signature_page",
    }


def test_a_service_with_a_larger_document_limit_raises_the_streaming_limit_for_that_document(settings):
    r11 = definition_for("R11")
    larger = dataclasses.replace(
        r11,
        code="R98",
        documents=tuple(
            dataclasses.replace(spec, max_bytes_setting="LARGE_DEPOSIT_MAX_BYTES")
            if spec.kind == "program_deposit"
            else spec
            for spec in r11.documents
        ),
    )
    settings.LARGE_DEPOSIT_MAX_BYTES = 50 * MB
    match = resolve(reverse("filings:upload", args=[1, "program_deposit"]))
    assert match.func.upload_limit.resolve(match.kwargs) == (20 * MB, 1)
    register(larger)
    try:
        assert match.func.upload_limit.resolve(match.kwargs) == (50 * MB, 1)
        other = resolve(reverse("filings:upload", args=[1, "document_deposit"]))
        assert other.func.upload_limit.resolve(other.kwargs) == (20 * MB, 1)
    finally:
        unregister(larger.code)


def test_the_limit_handler_comes_first():
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "ruanzhu.core.uploads.LimitedUploadHandler"
