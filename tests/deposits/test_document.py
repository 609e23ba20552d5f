"""Documentation deposits from Markdown, DOCX and PDF manuals."""

import io
from pathlib import Path

import docx
import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from ruanzhu.cli import main
from ruanzhu.deposits.check import check_deposit
from ruanzhu.deposits.document import build_document_deposit
from ruanzhu.deposits.errors import DepositError

from .conftest import HEADER, NAME, VERSION, read_pages


def png(width: int, height: int) -> bytes:
    """Return a plain PNG picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def manual_markdown(chapters: int) -> str:
    """Return a manual with numbered paragraphs, lists, code and a table per chapter."""
    parts = []
    for chapter in range(1, chapters + 1):
        parts.append(f"## 第{chapter}章 功能说明\n")
        parts.extend(f"段落{chapter}-{index}：本系统用于办理计算机软件著作权登记。\n" for index in range(20))
        parts.append("- 列表项一\n- 列表项二\n")
        parts.append("```python\nprint('示例代码')\n```\n")
        parts.append("| 字段 | 说明 |\n|---|---|\n| 名称 | 软件全称 |\n")
    return "\n".join(parts)


def test_long_markdown_manual_keeps_first_and_last_thirty_pages(tmp_path: Path) -> None:
    manual = tmp_path / "manual.md"
    manual.write_text(manual_markdown(120), encoding="utf-8")
    summary = build_document_deposit(manual, tmp_path / "doc.pdf", name=NAME, version=VERSION)
    assert summary.source_pages > 60
    pages = read_pages(tmp_path / "doc.pdf")
    assert len(pages) == 60
    for number, page in enumerate(pages, start=1):
        assert page.header == HEADER
        assert page.number == str(number)
        assert len(page.lines) >= 30 or number == 60
    text = [line.strip() for page in pages for line in page.lines]
    assert text[0] == "第1章 功能说明"
    assert "段落1-0：本系统用于办理计算机软件著作权登记。" in text
    assert "print('示例代码')" in text and "名称 | 软件全称" in text and "• 列表项一" in text
    assert "段落120-19：本系统用于办理计算机软件著作权登记。" in text
    assert "段落60-0：本系统用于办理计算机软件著作权登记。" not in text
    assert check_deposit(tmp_path / "doc.pdf", kind="document", name=NAME, version=VERSION).ok


def test_docx_manual_with_a_figure(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("用户手册", level=1)
    for index in range(70):
        document.add_paragraph(f"第{index}段：登录系统后，在首页点击“新建申请”。")
    picture = tmp_path / "screen.png"
    picture.write_bytes(png(800, 600))
    document.add_picture(str(picture))
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "按钮"
    table.rows[0].cells[1].text = "提交"
    for index in range(70, 100):
        document.add_paragraph(f"第{index}段：确认信息无误后提交。")
    manual = tmp_path / "manual.docx"
    document.save(str(manual))
    summary = build_document_deposit(manual, tmp_path / "doc.pdf", name=NAME, version=VERSION)
    pages = read_pages(summary.data)
    text = [line.strip() for page in pages for line in page.lines]
    assert text[0] == "用户手册"
    assert "第69段：登录系统后，在首页点击“新建申请”。" in text and "按钮 | 提交" in text
    assert text[-1] == "第99段：确认信息无误后提交。"
    reader = PdfReader(io.BytesIO(summary.data))
    figure_pages = [index for index, page in enumerate(reader.pages, 1) if page.images]
    assert len(figure_pages) == 1
    result = check_deposit(summary.data, kind="document", name=NAME, version=VERSION)
    assert result.ok, result.problems
    assert [page.has_figure for page in result.pages].count(True) == 1


def draw_manual(path: Path, pages: int) -> Path:
    """Draw a PDF manual whose pages say which page they are."""
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica", 11)
        for line in range(36):
            canvas.drawString(60, 780 - line * 20, f"manual page {number} line {line}")
        canvas.showPage()
    canvas.save()
    return path


def test_pdf_manual_gets_header_and_numbers_on_selected_pages(tmp_path: Path) -> None:
    manual = draw_manual(tmp_path / "manual.pdf", 75)
    out = tmp_path / "doc.pdf"
    argv = [
        "deposit",
        "document",
        str(manual),
        "--name",
        NAME,
        "--version",
        VERSION,
        "--output",
        str(out),
        "-q",
    ]
    assert main(argv) == 0
    pages = read_pages(out)
    assert len(pages) == 60
    for number, page in enumerate(pages, start=1):
        source = number if number <= 30 else number + 15
        assert page.header == HEADER and page.number == str(number)
        assert page.lines[0] == f"manual page {source} line 0"
        assert page.lines[-1] == f"manual page {source} line 35"
    first = out.read_bytes()
    assert main(argv) == 0
    assert out.read_bytes() == first
    assert check_deposit(out, kind="document", name=NAME, version=VERSION).ok


def test_short_pdf_manual_keeps_every_page(tmp_path: Path) -> None:
    manual = draw_manual(tmp_path / "manual.pdf", 3)
    summary = build_document_deposit(manual, tmp_path / "doc.pdf", name=NAME, version=VERSION)
    assert [page.lines[0] for page in read_pages(summary.data)] == [
        f"manual page {n} line 0" for n in (1, 2, 3)
    ]


def test_unknown_manual_format_is_refused(tmp_path: Path) -> None:
    manual = tmp_path / "manual.odt"
    manual.write_bytes(b"x")
    with pytest.raises(DepositError, match="不支持的文档格式"):
        build_document_deposit(manual, tmp_path / "doc.pdf", name=NAME, version=VERSION)


def test_pdf_manual_with_links_forms_and_scripts_gives_a_deposit_the_portal_accepts(tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript
    from pypdf.annotations import Link
    from pypdf.generic import DictionaryObject, NameObject

    from ruanzhu.core.pdfs import pdf_intake

    writer = PdfWriter(clone_from=draw_manual(tmp_path / "plain.pdf", 3))
    writer.add_annotation(0, Link(rect=(60, 700, 300, 720), url="https://example.com/manual"))
    page = writer.pages[1]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): JavaScript("app.alert('page');")})
    writer.add_open_action(JavaScript("app.alert('opened');"))
    manual = tmp_path / "manual.pdf"
    writer.write(manual)

    summary = build_document_deposit(manual, tmp_path / "doc.pdf", name=NAME, version=VERSION)
    assert pdf_intake(summary.data).page_count == 3
    assert check_deposit(summary.data, kind="document", name=NAME, version=VERSION).ok
    assert b"JavaScript" not in summary.data and b"app.alert" not in summary.data
