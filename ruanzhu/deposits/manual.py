"""Read a manual written in Markdown or DOCX as a flat list of blocks to lay out."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown

from .errors import DepositError


@dataclass(frozen=True)
class Block:
    """A heading, paragraph, list item, table row, code line or figure of a manual."""

    kind: str  # heading, paragraph, item, row, code, image
    text: str = ""
    image: bytes | None = None


_BLOCK_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "blockquote", "dt", "dd"}


class _ManualHTML(HTMLParser):
    """Collect blocks from the HTML that Markdown produces."""

    def __init__(self, base: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.blocks: list[Block] = []
        self._stack: list[str] = []
        self._text: list[str] = []
        self._cells: list[str] = []

    def _flush(self, kind: str) -> None:
        text = "".join(self._text)
        self._text = []
        if kind == "code":
            for line in text.rstrip("\n").split("\n"):
                self.blocks.append(Block("code", line))
            return
        for line in text.split("\n"):
            line = re.sub(r"\s+", " ", line).strip()
            if line:
                self.blocks.append(Block(kind, line))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            if self._text and tag in ("li", "p"):
                self._flush("item" if "li" in self._stack else "paragraph")
            self._stack.append(tag)
        elif tag == "br":
            self._text.append("\n")
        elif tag in ("td", "th"):
            self._text = []
        elif tag == "img":
            values = dict(attrs)
            self._flush("paragraph")
            self.blocks.append(self._image(values.get("src") or "", values.get("alt") or ""))

    def _image(self, source: str, alt: str) -> Block:
        path = (self.base / source).resolve()
        if source and path.is_file() and self.base.resolve() in path.parents:
            return Block("image", alt, path.read_bytes())
        return Block("paragraph", f"［图：{alt or source}］")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._cells.append(re.sub(r"\s+", " ", "".join(self._text)).strip())
            self._text = []
        elif tag in _BLOCK_TAGS and tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
            if tag == "tr":
                self._text = [" | ".join(self._cells)]
                self._cells = []
            kinds = {"pre": "code", "li": "item", "tr": "row"}
            kind = "heading" if tag[0] == "h" and tag[1:].isdigit() else kinds.get(tag, "paragraph")
            self._flush(kind)

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def markdown_blocks(path: Path) -> list[Block]:
    """Return the blocks of a Markdown manual; images are read from beside it."""
    text = path.read_text(encoding="utf-8-sig")
    html = markdown.markdown(text, extensions=["tables", "fenced_code"])
    parser = _ManualHTML(path.parent)
    parser.feed(html)
    parser.close()
    return parser.blocks


def docx_blocks(path: Path) -> list[Block]:
    """Return the blocks of a DOCX manual in body order, with its inline pictures."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for a damaged file
        raise DepositError(f"无法读取 DOCX 文件 {path.name}：{exc}") from exc
    blocks: list[Block] = []
    body = document.element.body
    for element in body.iterchildren():
        tag = element.tag.rpartition("}")[2]
        if tag == "p":
            paragraph = Paragraph(element, document)
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            kind = "heading" if style.startswith(("Heading", "Title", "标题")) else "paragraph"
            if style.startswith("List"):
                kind = "item"
            for line in paragraph.text.split("\n"):
                if line.strip():
                    blocks.append(Block(kind, line.strip()))
            for blip in element.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"):
                relation = blip.get(
                    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
                )
                part = document.part.related_parts.get(relation) if relation else None
                if part is not None:
                    blocks.append(Block("image", "", part.blob))
        elif tag == "tbl":
            for row in Table(element, document).rows:
                cells = [cell.text.strip().replace("\n", " ") for cell in row.cells]
                blocks.append(Block("row", " | ".join(cells)))
    return blocks
