"""The PDF intake: what every uploaded PDF passes before anything else reads it."""

import io
import logging
import os
import subprocess
import sys

import pytest
from django.utils import translation
from pypdf import PdfWriter
from pypdf.annotations import Link
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from ruanzhu.core import pdfs
from ruanzhu.core.pdfs import PdfInfo, PdfRejected, pdf_intake
from ruanzhu.documents.application_form import application_form_pdf
from ruanzhu.documents.authorization import agent_mandate_letter_pdf, institution_authorization_letter_pdf
from ruanzhu.documents.certificate import certificate_pdf, generate_signing_identity, sign_pdf
from tests.documents.test_application_form import FORM
from tests.documents.test_authorization import ACME, MANDATE
from tests.documents.test_certificate import CERTIFICATE
from tests.filings.flow import signed_page
from tests.security.pdf_samples import (
    active_samples,
    build_pdf,
    document,
    document_objects,
    with_link,
    with_open_action,
)

ACTIVE_MESSAGE = "PDF文件不能包含脚本、动作或附件，请重新导出后上传。"
CORRUPT_MESSAGE = "PDF文件已损坏或无法读取，请重新上传。"


def refusal(data: bytes, **options) -> PdfRejected:
    with pytest.raises(PdfRejected) as caught:
        pdf_intake(data, **options)
    return caught.value


def objects_with(**changes) -> bytes:
    """Return the small document with some of its objects replaced (by number, as obj_<n>)."""
    objects = document_objects()
    objects.update({int(name.removeprefix("obj_")): body for name, body in changes.items()})
    return build_pdf(objects)


# --- What is accepted ------------------------------------------------------------------------------------------


def test_a_plain_document_is_accepted_with_its_page_count():
    assert pdf_intake(document(count=3)) == PdfInfo(page_count=3)


@pytest.fixture(scope="module")
def signing_identity():
    return generate_signing_identity()


def signed(pdf: bytes, identity) -> bytes:
    key_pem, cert_pem = identity
    return sign_pdf(pdf, key_pem=key_pem, cert_pem=cert_pem, signer_name="软著登记系统")


def reportlab_with_links_outline_and_form() -> bytes:
    """A document as office tools write them: bookmarks, internal and web links, a fillable form."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.bookmarkPage("start")
    canvas.addOutlineEntry("开始", "start")
    canvas.drawString(72, 720, "https://example.com/manual")
    canvas.linkURL("https://example.com/manual", (72, 715, 300, 730))
    canvas.linkURL("mailto:support@example.com", (72, 695, 300, 710))
    canvas.linkAbsolute("next", "second", (72, 675, 300, 690))
    canvas.acroForm.textfield(name="applicant", x=72, y=600, width=200, height=20)
    canvas.acroForm.checkbox(name="agree", x=72, y=560)
    canvas.showPage()
    canvas.bookmarkPage("second")
    canvas.addOutlineEntry("第二页", "second")
    canvas.drawString(72, 720, "second page")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def pypdf_with_outline_and_link() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(document(count=2)))
    writer.add_outline_item(title="第二页", page_number=1)
    writer.add_annotation(0, Link(rect=(72, 700, 200, 720), target_page_index=1))
    writer.add_annotation(0, Link(rect=(72, 650, 200, 670), url="https://example.com/"))
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "pages"),
    [
        pytest.param(lambda identity: application_form_pdf(FORM), None, id="application form"),
        pytest.param(lambda identity: signed(application_form_pdf(FORM), identity), None, id="signed form"),
        pytest.param(
            lambda identity: institution_authorization_letter_pdf(ACME), 1, id="authorization letter"
        ),
        pytest.param(lambda identity: agent_mandate_letter_pdf(MANDATE), 1, id="mandate letter"),
        pytest.param(lambda identity: certificate_pdf(CERTIFICATE), 1, id="certificate"),
        pytest.param(
            lambda identity: signed(certificate_pdf(CERTIFICATE), identity), 1, id="signed certificate"
        ),
        pytest.param(lambda identity: signed_page(), 1, id="scanned signature page"),
        pytest.param(
            lambda identity: reportlab_with_links_outline_and_form(), 2, id="links outline and form"
        ),
        pytest.param(lambda identity: pypdf_with_outline_and_link(), 2, id="pypdf outline and links"),
        pytest.param(lambda identity: with_open_action("[10 0 R /Fit]"), 1, id="opens on a page"),
        pytest.param(
            lambda identity: with_open_action("<< /S /GoTo /D [10 0 R /Fit] >>"), 1, id="opens with a go-to"
        ),
        pytest.param(
            lambda identity: with_link("<< /S /URI /URI (https://example.com/help) >>"), 1, id="web link"
        ),
        pytest.param(lambda identity: with_link("<< /S /Named /N /NextPage >>"), 1, id="page-turning link"),
    ],
)
def test_documents_the_portal_and_office_tools_make_are_accepted(make, pages, signing_identity):
    info = pdf_intake(make(signing_identity))
    assert info.page_count >= 1 and (pages is None or info.page_count == pages)


def test_the_deposit_builders_output_is_accepted(deposits):
    assert pdf_intake(deposits["program"]).page_count == 60
    assert pdf_intake(deposits["document"]).page_count > 1
    assert pdf_intake(deposits["short"]).page_count == 5


def test_a_tagged_pdf_whose_structure_has_attributes_is_accepted():
    """Structure elements carry /A attribute dictionaries, which are no actions."""
    tagged = document(
        catalog="/StructTreeRoot 30 0 R /MarkInfo << /Marked true >> ",
        extra={
            30: "<< /Type /StructTreeRoot /K [31 0 R] >>",
            31: "<< /Type /StructElem /S /P /P 30 0 R /A << /O /Layout /Placement /Block >> /Pg 10 0 R /K 0 >>",
        },
    )
    assert pdf_intake(tagged).page_count == 1


def test_an_outline_of_several_items_is_accepted():
    """Outline items link to each other with /Next, which chains actions only inside an action."""
    outlined = document(
        catalog="/Outlines 30 0 R ",
        extra={
            30: "<< /Type /Outlines /First 31 0 R /Last 32 0 R /Count 2 >>",
            31: "<< /Title (One) /Parent 30 0 R /Next 32 0 R /Dest [10 0 R /Fit] >>",
            32: "<< /Title (Two) /Parent 30 0 R /Prev 31 0 R /A << /S /GoTo /D [10 0 R /Fit] >> >>",
        },
    )
    assert pdf_intake(outlined).page_count == 1


# --- Active content ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data"), active_samples(), ids=[name for name, _ in active_samples()])
def test_active_content_is_refused_with_one_message(name, data):
    error = refusal(data)
    assert (error.code, error.message) == ("active_content", ACTIVE_MESSAGE)


def test_a_loop_of_chained_actions_is_refused():
    objects = document_objects(catalog="/OpenAction 30 0 R ")
    objects[30] = "<< /S /GoTo /D [10 0 R /Fit] /Next 30 0 R >>"
    assert refusal(build_pdf(objects)).code == "active_content"


# --- Broken files ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(build_pdf({1: "1 0 R"}), id="root refers to itself"),
        pytest.param(build_pdf({1: "<< /Type /Catalog /Pages 1 0 R >>"}), id="pages is the catalog"),
        pytest.param(build_pdf({1: "<< /Type /Catalog >>"}), id="no page tree"),
        pytest.param(build_pdf(document_objects(), trailer=""), id="no root"),
        pytest.param(
            objects_with(obj_2="<< /Type /Pages /Kids [10 0 R] /Count 999999999 >>"), id="count 999999999"
        ),
        pytest.param(objects_with(obj_2="<< /Type /Pages /Kids [10 0 R] /Count 0 >>"), id="count too low"),
        pytest.param(objects_with(obj_2="<< /Type /Pages /Kids [10 0 R] /Count (1) >>"), id="count a string"),
        pytest.param(
            objects_with(obj_2="<< /Type /Pages /Kids [(a page) ] /Count 1 >>"), id="page is a string"
        ),
        pytest.param(objects_with(obj_2="<< /Type /Pages /Kids [42] /Count 1 >>"), id="page is a number"),
        pytest.param(objects_with(obj_2="<< /Type /Pages /Kids [99 0 R] /Count 1 >>"), id="page is missing"),
        pytest.param(objects_with(obj_2="<< /Type /Pages /Kids 10 /Count 1 >>"), id="kids not an array"),
        pytest.param(
            objects_with(obj_2="<< /Type /Pages /Kids [2 0 R] /Count 1 >>"), id="tree is its own kid"
        ),
        pytest.param(
            objects_with(obj_2="<< /Type /Pages /Kids [10 0 R 10 0 R] /Count 2 >>"), id="page twice"
        ),
        pytest.param(
            objects_with(
                obj_2="<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                obj_5="<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
            ),
            id="tree loops",
        ),
        pytest.param(
            objects_with(
                obj_2="<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                obj_5="<< /Type /Pages /Parent 2 0 R /Kids [10 0 R] /Count 7 >>",
            ),
            id="inner node count is false",
        ),
        pytest.param(objects_with(obj_2="<< /Type /Pages /Kids [] /Count 0 >>"), id="no pages"),
        pytest.param(
            objects_with(obj_10="<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>"), id="page without size"
        ),
        pytest.param(
            objects_with(obj_10="<< /Type /Page /Parent 2 0 R /MediaBox [0 0 (a) 1] >>"),
            id="size not numbers",
        ),
        pytest.param(
            objects_with(obj_10="<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] /Contents (BT ET) >>"),
            id="contents not a stream",
        ),
        pytest.param(
            objects_with(obj_10="<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] /Resources [1 2] >>"),
            id="resources not a dictionary",
        ),
        pytest.param(objects_with(obj_10="<< /Type /Font >>"), id="page of another type"),
        pytest.param(
            objects_with(obj_3=b"<< /Length 99999999999 >>\nstream\nabc\nendstream"), id="huge stream length"
        ),
        pytest.param(document()[:200], id="truncated"),
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 8, id="random bytes after the header"),
        pytest.param(b"%PDF-", id="header only"),
    ],
)
def test_a_broken_pdf_is_refused_not_crashed_on(data):
    error = refusal(data)
    assert (error.code, error.message) == ("corrupt", CORRUPT_MESSAGE)


HIDDEN_ATTACHMENT = "/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] >>] "


def test_a_key_defined_twice_is_refused():
    """pypdf reads the first /Annots, browsers' viewers the last: the attachment would pass unseen."""
    twice = document(page="/Annots [] " + HIDDEN_ATTACHMENT)
    assert refusal(twice).code == "corrupt"


def test_a_key_defined_twice_is_refused_however_quiet_the_logging(monkeypatch):
    monkeypatch.setattr(logging.getLogger(), "level", logging.CRITICAL)
    twice = document(catalog="/OpenAction [10 0 R /Fit] /OpenAction << /S /JavaScript /JS (x) >> ")
    assert refusal(twice).code == "corrupt"


def test_a_deep_page_tree_is_refused():
    depth = pdfs.MAX_PAGE_TREE_DEPTH + 2
    objects = document_objects()
    objects[2] = "<< /Type /Pages /Kids [100 0 R] /Count 1 >>"
    for level in range(depth):
        kid = f"{101 + level} 0 R" if level < depth - 1 else "10 0 R"
        objects[100 + level] = f"<< /Type /Pages /Kids [{kid}] /Count 1 >>"
    assert refusal(build_pdf(objects)).code == "corrupt"


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=io.BytesIO(document()))
    writer.encrypt(user_password="", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    error = refusal(buffer.getvalue())
    assert (error.code, error.message) == ("encrypted", "PDF文件已加密，请上传未加密的文件。")


def test_pages_above_the_limit_are_refused_and_the_limit_is_named():
    assert pdf_intake(document(count=10), max_pages=10).page_count == 10
    error = refusal(document(count=11), max_pages=10)
    assert (error.code, error.message) == ("too_many_pages", "PDF文件不能超过10页。")


def test_a_file_that_is_not_a_pdf_is_refused():
    assert refusal(b"\x89PNG\r\n\x1a\n").code == "not_pdf"
    assert refusal(b" %PDF-1.7 behind a space").code == "not_pdf"


def test_a_file_with_too_many_objects_is_refused(monkeypatch):
    monkeypatch.setattr(pdfs, "MAX_OBJECTS", 50)
    extra = {30 + index: f"<< /Next {31 + index} 0 R >>" for index in range(60)}
    error = refusal(document(catalog="/Chain 30 0 R ", extra=extra))
    assert (error.code, error.message) == ("too_complex", "PDF文件的结构过于复杂，请重新导出后上传。")


def test_a_page_tree_of_too_many_empty_nodes_is_refused(monkeypatch):
    """Nodes without pages cost as much work to read as pages do; the tree is walked before the rest."""
    monkeypatch.setattr(pdfs, "MAX_OBJECTS", 50)
    monkeypatch.setattr(pdfs, "_find_active_content", lambda trailer: None)
    objects = document_objects()
    empty = range(30, 90)
    objects.update({number: "<< /Type /Pages /Kids [] /Count 0 >>" for number in empty})
    kids = " ".join(f"{number} 0 R" for number in empty)
    objects[2] = f"<< /Type /Pages /Kids [{kids} 10 0 R] /Count 1 >>"
    assert refusal(build_pdf(objects)).code == "too_complex"


def test_a_rejection_is_an_application_error_with_a_stable_code():
    error = refusal(b"%PDF-")
    assert isinstance(error, pdfs.ApplicationError)
    assert error.code == "corrupt" and str(error) == error.message


def test_the_command_line_gets_the_chinese_message_without_django():
    script = (
        "import sys\n"
        "from ruanzhu.core.pdfs import PdfRejected, pdf_intake\n"
        "try:\n"
        "    pdf_intake(b'%PDF-1.7 broken')\n"
        "except PdfRejected as error:\n"
        "    print(error.message)\n"
        "print(any(name.split('.')[0] == 'django' for name in sys.modules))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.splitlines() == [CORRUPT_MESSAGE, "False"]


def test_in_the_portal_the_message_goes_through_gettext(monkeypatch):
    monkeypatch.setattr(translation, "gettext", lambda message: f"[en] {message}")
    assert refusal(b"%PDF-1.7 broken").message == f"[en] {CORRUPT_MESSAGE}"
