"""The check, on our deposits and on bad PDFs drawn here with ReportLab."""

from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ruanzhu.cli import main
from ruanzhu.deposits.check import check_deposit
from ruanzhu.deposits.fonts import DEFAULT_FONT_PATH
from ruanzhu.deposits.program import build_program_deposit
from tests.security.pdf_samples import build_pdf, document_objects, stream

from .conftest import HEADER, NAME, VERSION, numbered_python, write_tree

pdfmetrics.registerFont(TTFont("TestMono", DEFAULT_FONT_PATH, subfontIndex=1))
PageSpec = tuple[str | None, str | None, int]


def draw_deposit(path: Path, pages: list[PageSpec], *, wrapped_line: bool = False) -> Path:
    """Draw a deposit the way another tool might: (header, page number, line count) per page."""
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    for header, number, count in pages:
        canvas.setFont("TestMono", 10)
        if header is not None:
            canvas.drawString(50, height - 40, header)
        if number is not None:
            canvas.drawRightString(width - 40, height - 40, number)
        canvas.setFont("TestMono", 9)
        for index in range(count):
            text = f"int line_{index} = {index};"
            if wrapped_line and index == 3:
                text = "    " + "x" * 90  # a continuation line, as a word processor would wrap it
            canvas.drawString(50, height - 70 - index * 14, text)
        canvas.showPage()
    canvas.save()
    return path


def good_pages(count: int = 5) -> list[PageSpec]:
    """Return page specs that meet every rule."""
    return [(HEADER, str(number), 50 if number < count else 12) for number in range(1, count + 1)]


def check(path: Path) -> list[tuple[int | None, str]]:
    """Return the (page, code) pairs of the problems found."""
    result = check_deposit(path, kind="program", name=NAME, version=VERSION)
    return [(problem.page, problem.code) for problem in result.problems]


def test_our_deposit_passes(tree: Path, tmp_path: Path) -> None:
    write_tree(tree, {"main.py": numbered_python(200 * 50 + 7)})
    build_program_deposit(tree, tmp_path / "d.pdf", name=NAME, version=VERSION)
    result = check_deposit(tmp_path / "d.pdf", kind="program", name=NAME, version=VERSION)
    assert result.ok, result.problems
    assert result.page_count == 60
    assert result.lines_per_page == [50] * 59 + [7]
    assert [page.page_number for page in result.pages] == list(range(1, 61))
    assert {page.header for page in result.pages} == {HEADER}


def test_another_tools_good_deposit_passes(tmp_path: Path) -> None:
    assert check(draw_deposit(tmp_path / "good.pdf", good_pages())) == []


@pytest.mark.parametrize(
    ("change", "expected", "message"),
    [
        (lambda pages: pages.__setitem__(2, (HEADER, "3", 52)), [(3, "too_many_lines")], "第3页有52行"),
        (
            lambda pages: pages.__setitem__(1, (HEADER, "2", 49)),
            [(2, "too_few_lines")],
            "第2页只有49行，程序鉴别材料每页不少于50行",
        ),
        (
            lambda pages: pages.__setitem__(3, ("软著测试系统 V2.0", "4", 50)),
            [(4, "header_mismatch")],
            "第4页页眉为“软著测试系统 V2.0”",
        ),
        (
            lambda pages: pages.__setitem__(3, (HEADER, None, 50)),
            [(4, "page_number_missing")],
            "第4页右上角没有页码",
        ),
        (lambda pages: pages.__setitem__(2, (HEADER, "2", 50)), [(3, "page_number_order")], "第3页的页码为2"),
        (lambda pages: pages.__setitem__(slice(None), good_pages(61)), [(None, "page_count")], "共61页"),
    ],
)
def test_bad_deposit_is_refused_page_by_page(
    tmp_path: Path,
    change: Callable[[list[PageSpec]], None],
    expected: list[tuple[int | None, str]],
    message: str,
) -> None:
    pages = good_pages()
    change(pages)
    path = draw_deposit(tmp_path / "bad.pdf", pages)
    assert check(path) == expected
    result = check_deposit(path, kind="program", name=NAME, version=VERSION)
    assert message in result.problems[0].message


def test_wrapped_page_of_fifty_two_lines_is_refused(tmp_path: Path) -> None:
    pages = [*good_pages()]
    pages[1] = (HEADER, "2", 52)
    path = draw_deposit(tmp_path / "wrapped.pdf", pages, wrapped_line=True)
    result = check_deposit(path, kind="program", name=NAME, version=VERSION)
    assert [(p.page, p.code) for p in result.problems] == [(2, "too_many_lines")]
    assert result.lines_per_page[1] == 52


def test_missing_header_is_named(tmp_path: Path) -> None:
    pages = good_pages()
    pages[0] = (None, "1", 50)
    assert (1, "header_missing") in check(draw_deposit(tmp_path / "nohead.pdf", pages))


def test_document_check_allows_short_last_page_only(tmp_path: Path) -> None:
    path = draw_deposit(tmp_path / "doc.pdf", [(HEADER, "1", 35), (HEADER, "2", 29), (HEADER, "3", 4)])
    result = check_deposit(path, kind="document", name=NAME, version=VERSION)
    assert [(p.page, p.code) for p in result.problems] == [(2, "too_few_lines")]
    assert (
        result.problems[0].message == "第2页只有29行，文档鉴别材料每页不少于30行（有插图的页和最后一页除外）"
    )


def test_cli_check_prints_one_line_per_failing_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = good_pages()
    pages[1] = (HEADER, "2", 43)
    pages[3] = (HEADER, None, 50)
    path = draw_deposit(tmp_path / "bad.pdf", pages)
    argv = ["deposit", "check", str(path), "--kind", "program", "--name", NAME, "--version", VERSION]
    assert main(argv) == 1
    assert capsys.readouterr().out.splitlines() == [
        "第2页只有43行，程序鉴别材料每页不少于50行",
        "第4页右上角没有页码",
    ]
    assert main([*argv[:2], str(draw_deposit(tmp_path / "ok.pdf", good_pages())), *argv[3:]]) == 0


def test_unreadable_pdf_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.4 garbage")
    result = check_deposit(path, kind="program", name=NAME, version=VERSION)
    assert not result.ok and result.problems[0].code == "corrupt"


def test_a_page_whose_content_cannot_be_read_is_a_problem_not_a_crash() -> None:
    objects = document_objects()
    objects[3] = stream(
        b"/a /b /c /d re f"
    )  # a rectangle of names: the page passes the intake, not a reading
    result = check_deposit(build_pdf(objects), kind="program", name=NAME, version=VERSION)
    assert [(problem.page, problem.code) for problem in result.problems] == [(1, "corrupt")]
    assert result.problems[0].message == "第1页已损坏，无法读取"


def test_a_deposit_checked_again_is_not_read_again_and_answers_for_the_new_header(tmp_path, monkeypatch):
    # A deposit is checked again, unchanged, whenever the software's name or version changes: its pages are read
    # once, and each check compares them with the header of its own call.
    from ruanzhu.deposits import check as check_module
    from ruanzhu.deposits.pdftext import text_lines

    reads = []

    def counted(page):
        reads.append(page)
        return text_lines(page)

    monkeypatch.setattr(check_module, "text_lines", counted)
    monkeypatch.setattr(check_module, "_readings", check_module.OrderedDict())
    path = draw_deposit(tmp_path / "d.pdf", good_pages(4))

    first = check_deposit(path, kind="program", name=NAME, version=VERSION)
    renamed = check_deposit(path, kind="program", name="另一个名称", version=VERSION)
    again = check_deposit(path, kind="program", name=NAME, version=VERSION)

    assert len(reads) == 4
    assert first.ok and again == first
    assert [(problem.page, problem.code) for problem in renamed.problems] == [
        (page, "header_mismatch") for page in range(1, 5)
    ]
    # The same file checked as the other kind, or another file, is read afresh; only the last few are kept.
    check_deposit(path, kind="document", name=NAME, version=VERSION)
    assert len(reads) == 8
    for number in range(check_module.READINGS_KEPT):
        other = draw_deposit(tmp_path / f"{number}.pdf", good_pages(number + 5))
        check_deposit(other, kind="program", name=NAME, version=VERSION)
    assert len(check_module._readings) == check_module.READINGS_KEPT
    check_deposit(path, kind="program", name=NAME, version=VERSION)
    assert len(reads) == 8 + sum(range(5, check_module.READINGS_KEPT + 5)) + 4
