"""Build the documentation deposit (文档鉴别材料) from a PDF, Markdown or DOCX manual."""

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from reportlab.lib.utils import ImageReader

from .errors import DepositError
from .fonts import DepositFont, load_font, require_printable
from .layout import LEFT, PAGE_HEIGHT, PAGE_WIDTH, RIGHT, LineWrapper
from .manual import Block, docx_blocks, markdown_blocks
from .pages import first_and_last
from .program import DepositSummary
from .progress import Progress
from .render import draw_header, new_canvas, write_bytes

DOC_LINES = 40
DOC_SIZE = 10.5
HEADING_SIZE = 12.0
DOC_LEADING = 17.5
DOC_TOP = PAGE_HEIGHT - 70.0
FIGURE_MAX_SLOTS = 20
FIGURE_MIN_SLOTS = 6
# What a PDF manual's page may carry beyond its printed content: annotations (links, form fields, attachments),
# the actions that fire on opening it, and the thumbnail drawn of the old layout.
PAGE_KEYS_DROPPED = ("/Annots", "/AA", "/Thumb")
# Room freed at the top of a PDF manual's pages for the header, in points.
HEADER_BAND = 42.0
INDENT = "\u3000\u3000"


@dataclass
class _Slot:
    """One line slot of a page: a text line, or the first slot of a figure spanning several."""

    text: str = ""
    size: float = DOC_SIZE
    mono: bool = False
    image: ImageReader | None = None
    image_slots: int = 0
    image_size: tuple[float, float] = (0.0, 0.0)


@dataclass
class _DocPage:
    """A laid-out manual page and how many of its slots are used."""

    slots: list[_Slot] = field(default_factory=list)
    used: int = 0


def _lay_out(blocks: list[Block], sans: DepositFont, mono: DepositFont) -> list[_DocPage]:
    """Flow blocks into pages of DOC_LINES slots; a figure takes as many slots as its height needs."""
    width = PAGE_WIDTH - LEFT - RIGHT
    wrappers = {
        "text": LineWrapper(sans, DOC_SIZE, width),
        "heading": LineWrapper(sans, HEADING_SIZE, width),
        "code": LineWrapper(mono, 9.0, width),
    }
    pages = [_DocPage()]

    def place(slot: _Slot, slots: int = 1) -> None:
        if pages[-1].used + slots > DOC_LINES:
            pages.append(_DocPage())
        pages[-1].slots.append(slot)
        pages[-1].used += slots

    for block in blocks:
        if block.kind == "image" and block.image is not None:
            try:
                image = ImageReader(io.BytesIO(block.image))
                image_width, image_height = image.getSize()
            except Exception:  # EMF, WMF and damaged pictures cannot be drawn; say so in the text
                place(_Slot(f"［图：{block.text or '无法显示的图片'}］"))
                continue
            scale = min(width / image_width, FIGURE_MAX_SLOTS * DOC_LEADING / image_height, 1.0)
            slots = max(1, -(-int(image_height * scale) // int(DOC_LEADING)))
            room = DOC_LINES - pages[-1].used
            if slots > room >= FIGURE_MIN_SLOTS:
                # Shrink the figure into the rest of the page rather than leave a short page of text.
                scale *= room / slots
                slots = room
            size = (image_width * scale, image_height * scale)
            place(_Slot(image=image, image_slots=slots, image_size=size), slots)
            continue
        if block.kind == "code":
            for piece in wrappers["code"].wrap(block.text.expandtabs(4).rstrip()) or [" "]:
                place(_Slot(piece, 9.0, mono=True))
            continue
        wrapper = wrappers["heading" if block.kind == "heading" else "text"]
        text = {"paragraph": INDENT + block.text, "item": "• " + block.text}.get(block.kind, block.text)
        for piece in wrapper.wrap(text):
            place(_Slot(piece, HEADING_SIZE if block.kind == "heading" else DOC_SIZE))
    return [page for page in pages if page.slots]


def _render_pages(pages: list[_DocPage], sans: DepositFont, mono: DepositFont, header: str) -> bytes:
    """Draw the laid-out pages, numbered from 1."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, f"{header} 文档鉴别材料")
    for number, page in enumerate(pages, start=1):
        draw_header(canvas, sans, header, number, PAGE_WIDTH, PAGE_HEIGHT)
        row = 0
        for slot in page.slots:
            baseline = DOC_TOP - row * DOC_LEADING
            if slot.image is not None:
                draw_width, draw_height = slot.image_size
                canvas.drawImage(slot.image, LEFT, baseline + DOC_SIZE - draw_height, draw_width, draw_height)
                row += slot.image_slots
                continue
            canvas.setFont(mono.name if slot.mono else sans.name, slot.size)
            canvas.drawString(LEFT, baseline, slot.text)
            row += 1
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _overlay_pdf(path: Path, font: DepositFont, header: str) -> tuple[bytes, int, int]:
    """Take the first and last 30 pages of a PDF manual, shrink each a little and add header and number."""
    try:
        reader = PdfReader(path)
        total = len(reader.pages)
    except (PdfReadError, OSError, ValueError) as exc:
        raise DepositError(f"无法读取 PDF 文件 {path.name}：{exc}") from exc
    if total == 0:
        raise DepositError(f"PDF 文件 {path.name} 没有页面")
    selected = first_and_last(total)
    writer = PdfWriter()
    overlay_buffer = io.BytesIO()
    overlay = new_canvas(overlay_buffer, header)
    boxes = []
    for number, source_number in enumerate(selected, start=1):
        # Links and form fields would not follow the shrunk content, and their actions would have the portal
        # refuse the deposit: only what is printed on the page is kept.
        page = writer.add_page(reader.pages[source_number - 1], excluded_keys=PAGE_KEYS_DROPPED)
        page.transfer_rotation_to_content()
        box = page.cropbox
        x0, y0, width, height = float(box.left), float(box.bottom), float(box.width), float(box.height)
        boxes.append((x0, y0, width, height))
        overlay.setPageSize((width, height))
        margin = min(LEFT, width / 10)
        draw_header(overlay, font, header, number, width, height, left=margin, right=margin, from_top=24.0)
        overlay.showPage()
    overlay.save()
    overlay_reader = PdfReader(io.BytesIO(overlay_buffer.getvalue()))
    for page, stamp, (x0, y0, width, height) in zip(writer.pages, overlay_reader.pages, boxes, strict=True):
        scale = 1 - HEADER_BAND / height
        # Shrink toward the bottom centre so the top band is free for the header.
        page.add_transformation(
            Transformation()
            .scale(scale, scale)
            .translate(x0 * (1 - scale) + width * (1 - scale) / 2, y0 * (1 - scale))
        )
        # Under the page's own content: the band is empty anyway, and text extractors then read the header first.
        page.merge_transformed_page(stamp, Transformation().translate(x0, y0), over=False)
    writer.add_metadata({"/Title": f"{header} 文档鉴别材料", "/Producer": "ruanzhu deposit (pypdf)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), total, len(selected)


def build_document_deposit(
    manual: str | os.PathLike[str],
    output: str | os.PathLike[str] | BinaryIO,
    *,
    name: str,
    version: str,
    font_path: str | None = None,
    progress: Progress | None = None,
) -> DepositSummary:
    """Build the documentation deposit PDF from a manual."""
    progress = progress or Progress(None)
    path = Path(manual)
    if not path.is_file():
        raise DepositError(f"找不到文档：{path}")
    sans = load_font(font_path, mono=False)
    require_printable(sans, "软件名称", name)
    require_printable(sans, "版本号", version)
    header = f"{name} {version}"
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        data, total, shown = _overlay_pdf(path, sans, header)
        write_bytes(output, data)
        progress.note(f"文档共 {total} 页，鉴别材料 {shown} 页")
        return DepositSummary(0, 0, total, first_and_last(total), shown, data)
    if suffix in (".md", ".markdown", ".txt"):
        try:
            blocks = markdown_blocks(path)
        except UnicodeDecodeError as exc:
            raise DepositError(f"Markdown 文件 {path.name} 不是 UTF-8 编码") from exc
    elif suffix == ".docx":
        blocks = docx_blocks(path)
    else:
        raise DepositError(f"不支持的文档格式：{path.name}（应为 PDF、Markdown 或 DOCX）")
    if not blocks:
        raise DepositError(f"文档 {path.name} 没有内容")
    mono = load_font(font_path, mono=True)
    laid_out = _lay_out(blocks, sans, mono)
    selected = first_and_last(len(laid_out))
    data = _render_pages([laid_out[number - 1] for number in selected], sans, mono, header)
    write_bytes(output, data)
    lines = sum(1 for page in laid_out for slot in page.slots if slot.image is None)
    progress.note(f"文档排版为 {len(laid_out)} 页，鉴别材料 {len(selected)} 页")
    return DepositSummary(0, lines, len(laid_out), selected, len(selected), data)
