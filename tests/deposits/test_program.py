"""Program deposits built from trees made here, read back page by page with pypdf."""

from pathlib import Path

import pytest

from ruanzhu.deposits.errors import DepositError
from ruanzhu.deposits.program import build_program_deposit

from .conftest import HEADER, NAME, VERSION, numbered_python, read_pages, write_tree


def build(source: Path, tmp_path: Path, **options: object) -> bytes:
    """Build a deposit and return its bytes."""
    summary = build_program_deposit(source, tmp_path / "out.pdf", name=NAME, version=VERSION, **options)
    data = (tmp_path / "out.pdf").read_bytes()
    assert summary.data == data
    return data


def test_every_page_has_header_number_and_fifty_lines(tree: Path, tmp_path: Path) -> None:
    write_tree(tree, {"main.py": numbered_python(1020)})
    pages = read_pages(build(tree, tmp_path))
    assert len(pages) == 21
    for number, page in enumerate(pages, start=1):
        assert page.header == HEADER
        assert page.number == str(number)
        assert len(page.lines) == (20 if number == 21 else 50)
    assert pages[0].lines[0] == "v_000000 = 0"
    assert pages[-1].lines[-1] == "v_001019 = 1019"


def test_long_program_keeps_first_and_last_thirty_pages(tree: Path, tmp_path: Path) -> None:
    # 200 pages and 17 lines: the last page holds 17 lines and ends the program.
    total = 200 * 50 + 17
    write_tree(tree, {"main.py": numbered_python(5000), "pkg/b.py": numbered_python(total - 5000, 5000)})
    pages = read_pages(build(tree, tmp_path))
    assert len(pages) == 60
    for index, page in enumerate(pages):
        source_page = index + 1 if index < 30 else 201 - (59 - index)
        first = (source_page - 1) * 50
        expected = [f"v_{line:06d} = {line}" for line in range(first, min(first + 50, total))]
        assert page.lines == expected, f"page {index + 1}"
        assert page.number == str(index + 1)
    assert pages[-1].lines[-1] == f"v_{total - 1:06d} = {total - 1}"


def test_python_comments_and_blank_lines_are_dropped_but_strings_kept(tree: Path, tmp_path: Path) -> None:
    source = (
        "# 模块注释\n"
        "\n"
        "def greet():  # 问候\n"
        '    """文档字符串保留。"""\n'
        "    \n"
        "    url = 'http://example.com/#anchor'  # 尾注释\n"
        '    tag = "# 不是注释"\n'
        "    return '你好，世界'\n"
    )
    write_tree(tree, {"app.py": source})
    lines = read_pages(build(tree, tmp_path))[0].lines
    assert [line.strip() for line in lines] == [
        "def greet():",
        '"""文档字符串保留。"""',
        "url = 'http://example.com/#anchor'",
        'tag = "# 不是注释"',
        "return '你好，世界'",
    ]


@pytest.mark.parametrize(
    ("filename", "source", "kept"),
    [
        (
            "index.js",
            '// 入口\nconst url = "http://x.cn/a"; /* 内联 */\n/*\n * 多行注释\n */\nconsole.log(`// ${url}`);\n',
            ['const url = "http://x.cn/a";', "console.log(`// ${url}`);"],
        ),
        (
            "Main.java",
            '/** 主类 */\npublic class Main {\n  // 中文注释\n  String s = "/* 不是注释 */";\n}\n',
            ["public class Main {", 'String s = "/* 不是注释 */";', "}"],
        ),
        (
            "main.c",
            '#include <stdio.h>\n/* 注释 */\nint main(void) { // 入口\n  puts("//中文");\n  return 0;\n}\n',
            ["#include <stdio.h>", "int main(void) {", 'puts("//中文");', "return 0;", "}"],
        ),
        (
            "main.go",
            "package main\n\n// 包注释\nfunc main() {\n\ts := `raw // 字符串`\n\t_ = s /* 块 */\n}\n",
            ["package main", "func main() {", "s := `raw // 字符串`", "_ = s", "}"],
        ),
    ],
)
def test_comments_are_dropped_per_language(
    tree: Path, tmp_path: Path, filename: str, source: str, kept: list[str]
) -> None:
    write_tree(tree, {filename: source})
    lines = read_pages(build(tree, tmp_path))[0].lines
    assert [line.strip() for line in lines] == kept


def test_keep_comments_keeps_them(tree: Path, tmp_path: Path) -> None:
    write_tree(tree, {"main.py": "# 保留的注释\nx = 1\n\n"})
    lines = read_pages(build(tree, tmp_path, keep_comments=True))[0].lines
    assert lines == ["# 保留的注释", "x = 1"]


def test_gbk_and_utf8_sources_are_decoded(tree: Path, tmp_path: Path) -> None:
    write_tree(
        tree,
        {
            "a_gbk.py": "name = '国家版权局'\nprint(name)\n".encode("gbk"),
            "b_utf8.py": "city = '北京市'\n",
            "c_bom.py": "\ufeffflag = '中文标记'\n",
        },
    )
    lines = read_pages(build(tree, tmp_path))[0].lines
    assert lines == ["name = '国家版权局'", "print(name)", "city = '北京市'", "flag = '中文标记'"]


def test_file_in_unknown_encoding_is_refused(tree: Path, tmp_path: Path) -> None:
    write_tree(
        tree, {"main.py": "x = 1\n", "jp.c": "// これは日本語のコメントです\nint a;\n".encode("shift_jis")}
    )
    with pytest.raises(DepositError, match=r"jp\.c"):
        build(tree, tmp_path)


def test_long_line_is_wrapped_and_pages_stay_at_fifty_lines(tree: Path, tmp_path: Path) -> None:
    long_ascii = "data = [" + ", ".join(str(index) for index in range(120)) + "]"
    long_chinese = "msg = '" + "很长的中文字符串" * 30 + "'"
    body = numbered_python(40) + long_ascii + "\n" + long_chinese + "\n" + numbered_python(100, 40)
    write_tree(tree, {"main.py": body})
    pages = read_pages(build(tree, tmp_path))
    printed = [line for page in pages for line in page.lines]
    ascii_pieces = printed[40 : printed.index(next(line for line in printed if line.startswith("msg")))]
    assert len(ascii_pieces) >= 2
    assert "".join(ascii_pieces) == long_ascii
    chinese_start = 40 + len(ascii_pieces)
    chinese_end = printed.index("v_000040 = 40")
    assert chinese_end - chinese_start >= 2
    assert "".join(printed[chinese_start:chinese_end]) == long_chinese
    assert [len(page.lines) for page in pages[:-1]] == [50] * (len(pages) - 1)
    assert printed[-1] == "v_000139 = 139"


def test_files_are_chosen_and_ordered(tree: Path, tmp_path: Path) -> None:
    write_tree(
        tree,
        {
            ".gitignore": "secret/\n*.gen.py\n",
            "a_first.py": "a = 1\n",
            "main.py": "import a_first\n",
            "pkg/z.py": "z = 1\n",
            "pkg/sub/y.py": "y = 1\n",
            "pkg/b.py": "b = 1\n",
            "secret/key.py": "key = 1\n",
            "skip.gen.py": "gen = 1\n",
            "node_modules/lib/index.js": "var lib = 1;\n",
            "vendor/x.go": "package x\n",
            "static/app.min.js": "var m=1;\n",
            "static/packed.js": "var q=1;" * 600,
            "package-lock.json": "{}\n",
            "data.csv": "a,b\n1,2\n",
            "config.json": '{"a": 1}\n',
            "migrations/0001_initial.py": "# Generated by Django 5.2\nx = 1\n",
            "logo.c": b"\x00\x01binary\x00",
            "README.md": "# 说明\n",
        },
    )
    lines = read_pages(build(tree, tmp_path))[0].lines
    assert lines == ["import a_first", "a = 1", "b = 1", "z = 1", "y = 1"]


def test_nested_gitignore_and_deep_java_entry_point(tree: Path, tmp_path: Path) -> None:
    write_tree(
        tree,
        {
            "src/main/java/com/acme/Helper.java": "class Helper {}\n",
            "src/main/java/com/acme/Main.java": "class Main {}\n",
            "src/main/java/com/acme/gen/.gitignore": "*.java\n!Kept.java\n",
            "src/main/java/com/acme/gen/Dropped.java": "class Dropped {}\n",
            "src/main/java/com/acme/gen/Kept.java": "class Kept {}\n",
        },
    )
    lines = read_pages(build(tree, tmp_path))[0].lines
    assert lines == ["class Main {}", "class Helper {}", "class Kept {}"]
