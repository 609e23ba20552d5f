"""Helpers for deposit tests: source trees made on the spot and PDFs read back with pypdf."""

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

NAME = "软著测试系统"
VERSION = "V1.0"
HEADER = f"{NAME} {VERSION}"


@dataclass
class ReadPage:
    """A deposit page as pypdf's plain text extraction reads it."""

    header: str
    number: str
    lines: list[str]


def read_pages(data: bytes | Path) -> list[ReadPage]:
    """Read every page: the header line, the page number line, then the printed lines."""
    reader = PdfReader(io.BytesIO(data) if isinstance(data, bytes) else data)
    pages = []
    for page in reader.pages:
        text_lines = [line for line in page.extract_text().split("\n") if line.strip()]
        pages.append(ReadPage(text_lines[0].strip(), text_lines[1].strip(), text_lines[2:]))
    return pages


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files under root; str content is written as UTF-8."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return root


def numbered_python(count: int, start: int = 0) -> str:
    """Return a Python file of count distinct lines, each naming its own global index."""
    return "".join(f"v_{index:06d} = {index}\n" for index in range(start, start + count))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Return an empty folder for a source tree."""
    root = tmp_path / "src"
    root.mkdir()
    return root
