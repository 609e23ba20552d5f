"""The command line end to end, determinism, progress and the fallback font."""

import subprocess
import sys
from pathlib import Path

import pytest

from ruanzhu.cli import build_parser, main
from ruanzhu.deposits.check import check_deposit
from ruanzhu.deposits.program import build_program_deposit

from .conftest import HEADER, NAME, VERSION, numbered_python, read_pages, write_tree


def sample_tree(root: Path, files: int = 40, lines: int = 300) -> Path:
    """Write a tree of several languages with Chinese comments and strings."""
    contents: dict[str, str | bytes] = {}
    for index in range(files):
        body = "".join(
            f'    // 第{line}行注释\n    total += {line}; String s{line} = "中文{line}";\n'
            for line in range(lines)
        )
        contents[f"src/com/example/C{index:03d}.java"] = f"class C{index:03d} {{\n{body}}}\n"
    contents["main.py"] = "# 入口\nprint('启动')\n"
    return write_tree(root, contents)


def test_same_input_gives_same_bytes(tree: Path, tmp_path: Path) -> None:
    sample_tree(tree, files=5)
    first = build_program_deposit(tree, tmp_path / "a.pdf", name=NAME, version=VERSION).data
    second = build_program_deposit(tree, tmp_path / "b.pdf", name=NAME, version=VERSION).data
    assert first == second
    assert b"/CreationDate" not in first or b"D:20000101000000" in first


def test_program_then_check_through_the_installed_entry_point(tree: Path, tmp_path: Path) -> None:
    sample_tree(tree)
    out = tmp_path / "deposit.pdf"
    command = [sys.executable, "-m", "ruanzhu.cli", "deposit", "program", str(tree), "--name", NAME]
    done = subprocess.run(
        [*command, "--version", VERSION, "--output", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "找到 41 个源文件" in done.stderr and "已生成 60 页鉴别材料" in done.stderr
    pages = read_pages(out)
    assert len(pages) == 60
    assert pages[0].lines[0] == "print('启动')"
    assert pages[-1].lines[-1] == "}"
    assert all("注释" not in line for page in pages for line in page.lines)
    check = [sys.executable, "-m", "ruanzhu.cli", "deposit", "check", str(out), "--kind", "program"]
    done = subprocess.run([*check, "--name", NAME, "--version", VERSION], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "符合要求：共60页")
    done = subprocess.run([*check, "--name", NAME, "--version", "V9.9"], capture_output=True, text=True)
    assert done.returncode == 1
    assert len(done.stdout.splitlines()) == 60
    assert done.stdout.splitlines()[0] == f"第1页页眉为“{HEADER}”，应为“{NAME} V9.9”"


def test_parser_keeps_room_for_other_command_groups() -> None:
    parser = build_parser()
    args = parser.parse_args(
        ["deposit", "check", "x.pdf", "--kind", "document", "--name", "n", "--version", "v"]
    )
    assert (args.command, args.deposit_command, args.kind) == ("deposit", "check", "document")
    with pytest.raises(SystemExit):
        parser.parse_args(
            [
                "deposit",
                "program",
                "src",
                "--name",
                "n",
                "--version",
                "v",
                "-o",
                "o.pdf",
                "--exception",
                "bogus",
            ]
        )


def test_missing_check_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "deposit",
        "check",
        str(tmp_path / "none.pdf"),
        "--kind",
        "program",
        "--name",
        NAME,
        "--version",
        VERSION,
    ]
    assert main(argv) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_fallback_font_is_announced_and_still_prints(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tree, {"main.py": numbered_python(60)})
    summary = build_program_deposit(
        tree, tmp_path / "d.pdf", name=NAME, version=VERSION, font_path=str(tmp_path / "missing.ttc")
    )
    assert "STSong-Light" in capsys.readouterr().err
    assert b"STSong-Light" in summary.data
    result = check_deposit(summary.data, kind="program", name=NAME, version=VERSION)
    assert result.ok, result.problems
    assert result.lines_per_page == [50, 10]


def test_long_name_header_is_fitted_and_still_read_back(tree: Path, tmp_path: Path) -> None:
    name = "面向中小企业的计算机软件著作权登记申请材料自动生成与校验管理平台系统" * 2
    write_tree(tree, {"main.py": numbered_python(120)})
    summary = build_program_deposit(tree, tmp_path / "d.pdf", name=name, version="V10.2.3")
    result = check_deposit(summary.data, kind="program", name=name, version="V10.2.3")
    assert result.ok, result.problems


@pytest.mark.slow
def test_large_tree_shows_progress_and_keeps_sixty_pages(tree: Path, tmp_path: Path) -> None:
    sample_tree(tree, files=300, lines=400)
    out = tmp_path / "deposit.pdf"
    command = [sys.executable, "-m", "ruanzhu.cli", "deposit", "program", str(tree), "--name", NAME]
    done = subprocess.run([*command, "--version", VERSION, "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "已读取" in done.stderr and "120601 行" in done.stderr
    result = check_deposit(out, kind="program", name=NAME, version=VERSION)
    assert result.ok and result.page_count == 60
