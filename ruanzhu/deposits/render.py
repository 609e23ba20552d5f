"""Draw deposit pages with ReportLab: a header, the page number at the top right, the printed lines."""

import io
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from reportlab.pdfgen.canvas import Canvas

from .fonts import DepositFont
from .layout import (
    BODY_SIZE,
    BODY_TOP,
    HEADER_BASELINE,
    HEADER_SIZE,
    LEADING,
    LEFT,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RIGHT,
)
from .pages import Page

MIN_HEADER_SIZE = 6.0
PAGE_NUMBER_ROOM = 48.0


def new_canvas(
    target: BinaryIO, title: str, pagesize: tuple[float, float] = (PAGE_WIDTH, PAGE_HEIGHT)
) -> Canvas:
    """Return a canvas whose bytes depend only on what is drawn (fixed dates and document id)."""
    canvas = Canvas(target, pagesize=pagesize, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("ruanzhu deposit")
    canvas.setProducer("ruanzhu deposit (ReportLab)")
    return canvas


def header_lines(font: DepositFont, text: str, room: float) -> tuple[float, list[str]]:
    """Fit the header into room: shrink it, and split it over lines only when even small type is too wide."""
    size = HEADER_SIZE
    while size > MIN_HEADER_SIZE and font.width(text, size) > room:
        size -= 0.5
    if font.width(text, size) <= room:
        return size, [text]
    lines: list[str] = []
    current = ""
    for char in text:
        if current and font.width(current + char, size) > room:
            lines.append(current)
            current = char
        else:
            current += char
    lines.append(current)
    return size, lines


def draw_header(
    canvas: Canvas,
    font: DepositFont,
    header: str,
    number: int,
    page_width: float,
    page_height: float,
    *,
    left: float = LEFT,
    right: float = RIGHT,
    from_top: float = PAGE_HEIGHT - HEADER_BASELINE,
) -> None:
    """Draw "<name> <version>" at the top left and the page number at the top right."""
    room = page_width - left - right - PAGE_NUMBER_ROOM
    size, lines = header_lines(font, header, room)
    top = page_height - from_top + (len(lines) - 1) * (size + 1.5)
    canvas.setFillGray(0)
    canvas.setFont(font.name, size)
    for index, line in enumerate(lines):
        canvas.drawString(left, top - index * (size + 1.5), line)
    canvas.setFont(font.name, HEADER_SIZE)
    canvas.drawRightString(page_width - right, top, str(number))
    canvas.setLineWidth(0.5)
    rule = page_height - from_top - 6
    canvas.line(left, rule, page_width - right, rule)


def draw_line_page(canvas: Canvas, font: DepositFont, page: Page, header: str, number: int) -> None:
    """Draw one page of printed lines; blacked-out lines get a box and no text under it."""
    draw_header(canvas, font, header, number, PAGE_WIDTH, PAGE_HEIGHT)
    canvas.setFont(font.name, BODY_SIZE)
    width = PAGE_WIDTH - LEFT - RIGHT
    for index, line in enumerate(page.lines):
        baseline = BODY_TOP - index * LEADING
        if index in page.redacted:
            canvas.rect(LEFT, baseline - 3.6, width, LEADING, stroke=0, fill=1)
        else:
            canvas.drawString(LEFT, baseline, line)
    canvas.showPage()


def write_line_pages(
    output: str | Path | BinaryIO,
    font: DepositFont,
    pages: Sequence[Page],
    header: str,
    title: str,
) -> bytes:
    """Write the deposit PDF, pages numbered from 1, and return its bytes."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, title)
    for number, page in enumerate(pages, start=1):
        draw_line_page(canvas, font, page, header, number)
    canvas.save()
    data = buffer.getvalue()
    write_bytes(output, data)
    return data


def write_bytes(output: str | Path | BinaryIO, data: bytes) -> None:
    """Write data to a path or an open binary file."""
    if isinstance(output, str | Path):
        Path(output).write_bytes(data)
    else:
        output.write(data)
