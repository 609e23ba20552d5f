"""Exception deposits (例外交存): first 10 + 50 pages, blacked-out lines, object code + source."""

from pathlib import Path

import pytest

from ruanzhu.cli import main
from ruanzhu.deposits.check import check_deposit
from ruanzhu.deposits.errors import DepositError
from ruanzhu.deposits.program import build_program_deposit, parse_redaction

from .conftest import HEADER, NAME, VERSION, numbered_python, read_pages, write_tree


def expected_page(source_page: int, total: int) -> list[str]:
    """Return the printed lines of a source page of a numbered program."""
    first = (source_page - 1) * 50
    return [f"v_{line:06d} = {line}" for line in range(first, min(first + 50, total))]


@pytest.fixture
def long_tree(tree: Path) -> Path:
    """Return a tree of 120 pages and 9 lines."""
    return write_tree(tree, {"main.py": numbered_python(120 * 50 + 9)})


def test_first_ten_plus_fifty_from_a_chosen_page(long_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.pdf"
    argv = ["deposit", "program", str(long_tree), "--name", NAME, "--version", VERSION, "-o", str(out), "-q"]
    assert main([*argv, "--exception", "first10", "--from-page", "40"]) == 0
    pages = read_pages(out)
    shown = list(range(1, 11)) + list(range(40, 90))
    assert [page.lines for page in pages] == [expected_page(number, 6009) for number in shown]
    assert [page.number for page in pages] == [str(number) for number in range(1, 61)]
    assert check_deposit(out, kind="program", name=NAME, version=VERSION, exception="first10").ok


def test_first_ten_defaults_to_the_last_fifty_pages(long_tree: Path, tmp_path: Path) -> None:
    summary = build_program_deposit(
        long_tree, tmp_path / "d.pdf", name=NAME, version=VERSION, exception="first10"
    )
    assert summary.pages == list(range(1, 11)) + list(range(72, 122))
    assert read_pages(summary.data)[-1].lines == expected_page(121, 6009)


def test_from_page_past_the_end_is_refused(long_tree: Path, tmp_path: Path) -> None:
    with pytest.raises(DepositError, match="--from-page 100"):
        build_program_deposit(
            long_tree, tmp_path / "d.pdf", name=NAME, version=VERSION, exception="first10", from_page=100
        )


def test_redacted_source_lines_are_black_and_absent(long_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.pdf"
    argv = ["deposit", "program", str(long_tree), "--name", NAME, "--version", VERSION, "-o", str(out), "-q"]
    # Source lines 11-30 of main.py lie on page 1; printed lines 5-9 of deposit page 40 are blacked out too.
    assert main([*argv, "--exception", "redact", "--redact", "main.py:11-30", "--redact", "@40:5-9"]) == 0
    pages = read_pages(out)
    assert pages[0].lines == expected_page(1, 6009)[:10] + expected_page(1, 6009)[30:]
    assert pages[39].lines == expected_page(101, 6009)[:4] + expected_page(101, 6009)[9:]
    assert pages[1].lines == expected_page(2, 6009)
    result = check_deposit(out, kind="program", name=NAME, version=VERSION, exception="redact")
    assert result.ok, result.problems
    assert result.pages[0].redacted_lines == 20 and result.pages[39].redacted_lines == 5


def test_redacting_more_than_half_a_page_is_refused(long_tree: Path, tmp_path: Path) -> None:
    with pytest.raises(DepositError, match="第1页涂黑26行"):
        build_program_deposit(
            long_tree,
            tmp_path / "d.pdf",
            name=NAME,
            version=VERSION,
            exception="redact",
            redactions=[parse_redaction("main.py:1-26")],
        )


def test_redaction_syntax() -> None:
    assert parse_redaction("src/a.py:3-5,9").ranges == ((3, 5), (9, 9))
    assert parse_redaction("./src/a.py:3").file == "src/a.py"
    assert parse_redaction("@12:1-25").page == 12
    for bad in ("a.py", "a.py:5-3", "@x:1-2", "a.py:1-b", "@²:1-2", "@١٢:1-2", "a.py:١-٣"):
        with pytest.raises(DepositError):
            parse_redaction(bad)


def test_object_code_then_twenty_source_pages(long_tree: Path, tmp_path: Path) -> None:
    binary = tmp_path / "app.bin"
    binary.write_bytes(bytes(range(256)) * 400)  # 6400 dump lines: 128 pages
    summary = build_program_deposit(
        long_tree,
        tmp_path / "d.pdf",
        name=NAME,
        version=VERSION,
        exception="object-code",
        object_file=binary,
        from_page=5,
    )
    pages = read_pages(summary.data)
    assert len(pages) == 80
    assert pages[0].lines[0].startswith("00000000  00 01 02 03")
    assert pages[29].lines[-1].startswith(f"{(30 * 50 - 1) * 16:08x}")
    assert pages[30].lines[0].startswith(f"{(98 * 50) * 16:08x}")
    assert [page.lines for page in pages[60:]] == [expected_page(number, 6009) for number in range(5, 25)]
    assert {page.header for page in pages} == {HEADER}
    result = check_deposit(summary.data, kind="program", name=NAME, version=VERSION, exception="object-code")
    assert result.ok, result.problems
