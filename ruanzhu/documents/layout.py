"""The shared page layout: A4 with header and footer, CJK styles, tables, signature boxes, QR and Code128."""

import datetime
import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .fonts import DocumentFonts, document_fonts

SYSTEM_NAME = "软著登记服务平台"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = 20 * mm
MARGIN_TOP = 26 * mm
MARGIN_BOTTOM = 22 * mm
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
CHINA_OFFSET = datetime.timedelta(hours=8)
GRID_COLOR = colors.HexColor("#444444")
LABEL_BACKGROUND = colors.HexColor("#F2F2F2")


@dataclass(frozen=True)
class DocumentMeta:
    """What every document states about itself: title, reference, date and the template it was printed from."""

    title: str
    reference: str
    created: datetime.date | datetime.datetime
    subject: str = ""
    author: str = SYSTEM_NAME
    template_version: str = ""


@dataclass(frozen=True)
class DocumentStyles:
    """Paragraph styles for Chinese text (CJK line breaking)."""

    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    label: ParagraphStyle
    small: ParagraphStyle
    fonts: DocumentFonts


@functools.cache
def _styles_for(fonts: DocumentFonts) -> DocumentStyles:
    font = fonts.regular

    def style(name: str, size: float, leading: float, **extra) -> ParagraphStyle:
        extra.setdefault("alignment", TA_LEFT)
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **extra)

    return DocumentStyles(
        title=style("title", 18, 26, alignment=TA_CENTER, spaceAfter=6 * mm),
        heading=style("heading", 12.5, 18, spaceBefore=3 * mm, spaceAfter=2 * mm),
        body=style("body", 11, 19, firstLineIndent=22, spaceAfter=2 * mm),
        cell=style("cell", 10.5, 15),
        label=style("label", 10.5, 15),
        small=style("small", 8, 11, textColor=colors.HexColor("#555555")),
        fonts=fonts,
    )


def document_styles(fonts: DocumentFonts | None = None) -> DocumentStyles:
    """Return the shared paragraph styles for the given (by default the current) fonts."""
    return _styles_for(fonts or document_fonts())


def markup(text: str) -> str:
    """Escape plain text for a Paragraph, keeping its line breaks."""
    return escape(text).replace("\n", "<br/>")


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """Return a Paragraph of plain (not markup) text."""
    return Paragraph(markup(text), style)


def format_date(value: datetime.date) -> str:
    """Return a date the Chinese way: 2026年11月28日."""
    return f"{value.year}年{value.month}月{value.day}日"


def key_value_table(
    rows: Sequence[tuple[str, str]],
    styles: DocumentStyles,
    *,
    width: float = CONTENT_WIDTH,
    label_width: float = 42 * mm,
    split_in_row: bool = False,
) -> Table:
    """Return a two-column grid of labels and values; long values wrap inside their cell.

    With split_in_row, a row taller than what is left of the page continues on the next page.
    """
    data = [[paragraph(label, styles.label), paragraph(value, styles.cell)] for label, value in rows]
    table = Table(
        data, colWidths=[label_width, width - label_width], hAlign="LEFT", splitInRow=1 if split_in_row else 0
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, GRID_COLOR),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def signature_box(
    labels: Sequence[str],
    styles: DocumentStyles,
    *,
    width: float = CONTENT_WIDTH,
    height: float = 36 * mm,
    date_line: str | None = "日期：______年____月____日",
) -> Table:
    """Return a row of boxes, one per signatory (e.g. 法定代表人（签字）), with room to sign or seal and a date line.

    ``date_line=None`` leaves the line out, for a document that prints its one date below the boxes.
    """
    if not labels:
        raise ValueError("a signature box needs at least one signatory")
    column = width / len(labels)
    inner = height - 10 * mm
    cells = []
    for label in labels:
        cell = [paragraph(label, styles.label), Spacer(1, inner)]
        if date_line is not None:
            cell.append(paragraph(date_line, styles.cell))
        cells.append(cell)
    table = Table([cells], colWidths=[column] * len(labels), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, GRID_COLOR),
                ("INNERGRID", (0, 0), (-1, -1), 0.6, GRID_COLOR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def qr_code_flowable(url: str, size: float = 30 * mm) -> Drawing:
    """Return a QR code of url, size points square (quiet zone included), error correction level M."""
    if not url:
        raise ValueError("a QR code needs a URL")
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def code128_flowable(text: str, *, bar_height: float = 12 * mm, bar_width: float = 0.3 * mm) -> Code128:
    """Return a Code128 barcode of text (printable ASCII, e.g. a flow number) with the text printed under it."""
    if not text or not (text.isascii() and text.isprintable()):
        raise ValueError(f"Code128 takes printable ASCII only, not {text!r}")
    return Code128(
        text,
        barHeight=bar_height,
        barWidth=bar_width,
        humanReadable=True,
        fontName="Helvetica",
        fontSize=9,
        quiet=True,
    )


def _pdf_date(created: datetime.date | datetime.datetime) -> str:
    """Return the PDF date string of created (a date is midnight in China)."""
    if isinstance(created, datetime.datetime):
        if created.utcoffset() is None:
            raise ValueError("the creation time of a document must be timezone-aware")
        offset = created.utcoffset()
    else:
        created = datetime.datetime.combine(created, datetime.time())
        offset = CHINA_OFFSET
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"D:{created:%Y%m%d%H%M%S}{sign}{hours:02d}'{mins:02d}'"


class _PagedCanvas(Canvas):
    """A canvas that holds its pages back until the end, so that each page can say "page X of Y"."""

    def __init__(self, *args, decorate: Callable[[Canvas, int, int], None], pdf_date: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._pages: list[dict] = []
        self.setDateFormatter(lambda *_: pdf_date)

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(self, number, total)
            super().showPage()
        super().save()


def _page_decorator(meta: DocumentMeta, fonts: DocumentFonts) -> Callable[[Canvas, int, int], None]:
    def decorate(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        top = PAGE_HEIGHT - 14 * mm
        canvas.setFont(fonts.regular, 9)
        canvas.setFillColor(colors.HexColor("#333333"))
        canvas.drawString(MARGIN_LEFT, top, SYSTEM_NAME)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, top, meta.title)
        canvas.setStrokeColor(GRID_COLOR)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_LEFT, top - 3 * mm, PAGE_WIDTH - MARGIN_RIGHT, top - 3 * mm)
        bottom = 12 * mm
        canvas.line(MARGIN_LEFT, bottom + 4 * mm, PAGE_WIDTH - MARGIN_RIGHT, bottom + 4 * mm)
        canvas.setFont(fonts.regular, 8)
        if meta.template_version:
            canvas.drawString(MARGIN_LEFT, bottom, meta.template_version)
        canvas.drawCentredString(PAGE_WIDTH / 2, bottom, f"第 {number} 页 / 共 {total} 页")
        if meta.reference:
            canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, bottom, meta.reference)
        canvas.restoreState()

    return decorate


def render_pdf(
    meta: DocumentMeta,
    story: Sequence[Flowable],
    *,
    fonts: DocumentFonts | None = None,
    decorate: Callable[[Canvas, int, int], None] | None = None,
) -> bytes:
    """Lay out story on A4 pages with the shared header and footer and return the PDF; same input, same bytes.

    decorate(canvas, page_number, page_count), when given, draws each page's furniture instead of the shared
    header and footer (a certificate has a border, not a running header).
    """
    fonts = fonts or document_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=meta.title,
        author=meta.author,
        subject=meta.subject or meta.title,
        creator=SYSTEM_NAME,
        keywords=[value for value in (meta.reference, meta.template_version) if value],
        invariant=1,
        lang="zh-CN",
        initialFontName=fonts.regular,
    )
    # No frame padding: tables of CONTENT_WIDTH line up with the header and footer rules.
    frame = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        CONTENT_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    canvasmaker = functools.partial(
        _PagedCanvas, decorate=decorate or _page_decorator(meta, fonts), pdf_date=_pdf_date(meta.created)
    )
    doc.build(list(story), canvasmaker=canvasmaker)
    return buffer.getvalue()
