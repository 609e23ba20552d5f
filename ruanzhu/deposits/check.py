"""Check a deposit PDF, ours or another tool's, against the rules of 鉴别材料, page by page."""

import hashlib
import io
import itertools
import os
import re
import statistics
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PageObject, PdfReader

from ruanzhu.core.pdfs import PdfRejected, pdf_intake

from .errors import DepositError
from .layout import LINES_PER_PAGE
from .pdftext import TextLine, black_boxes, has_image, text_lines

DOCUMENT_MIN_LINES = 30
KINDS = ("program", "document")
# Largest number of pages each kind of deposit may have.
MAX_PAGES = {None: 60, "redact": 60, "first10": 60, "object-code": 80}
_PAGE_NUMBER = (
    re.compile(r"^(?:第\s*)?(\d{1,6})\s*页?\s*(?:(?:/|共)\s*\d+\s*页?)?$"),
    re.compile(r"^(?:page|p\.)\s*(\d{1,6})(?:\s*(?:/|of)\s*\d+)?$", re.IGNORECASE),
    re.compile(r"^-\s*(\d{1,6})\s*-$"),
)
_TRAILING_NUMBER = re.compile(r"^(.*?)\s+(\d{1,6})$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PageProblem:
    """One rule a page breaks; page is None for the file as a whole."""

    page: int | None
    code: str
    message: str


@dataclass(frozen=True)
class PageReport:
    """What was read on one page."""

    page: int
    lines: int
    redacted_lines: int
    header: str | None
    page_number: int | None
    has_figure: bool


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: what each page holds and what is wrong with it."""

    page_count: int
    pages: list[PageReport] = field(default_factory=list)
    problems: list[PageProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the file meets every rule."""
        return not self.problems

    @property
    def lines_per_page(self) -> list[int]:
        """Return the number of printed lines on each page, blacked-out ones included."""
        return [page.lines + page.redacted_lines for page in self.pages]


def _number_of(text: str) -> int | None:
    """Return the page number a header fragment states, if it states one."""
    text = text.strip()
    for pattern in _PAGE_NUMBER:
        match = pattern.match(text)
        if match:
            return int(match.group(1))
    return None


def _header_count(lines: list[TextLine]) -> int:
    """Return how many top lines form the header: those above the first wide gap near the top."""
    if len(lines) < 2:
        return len(lines)
    gaps = [upper.y - lower.y for upper, lower in itertools.pairwise(lines)]
    usual = statistics.median(gaps)
    for index, gap in enumerate(gaps[:4]):
        if gap > 1.25 * usual:
            return index + 1
    return 1


def _read_header(lines: list[TextLine], page_width: float, expected: str) -> tuple[str | None, int | None]:
    """Return the header text and the page number printed at the top right."""
    fragments = [(x, text) for line in lines for x, text in sorted(line.fragments)]
    number = None
    for index in range(len(fragments) - 1, -1, -1):
        x, text = fragments[index]
        found = _number_of(text)
        if found is not None and x > page_width / 2:
            number = found
            del fragments[index]
            break
    header = _SPACE.sub(" ", " ".join(text.strip() for _, text in fragments)).strip()
    if number is None and _squash(header) != _squash(expected):
        match = _TRAILING_NUMBER.match(header)
        if match:
            header, number = match.group(1), int(match.group(2))
    return header or None, number


def _squash(text: str) -> str:
    """Drop all whitespace, so that spacing differences between tools do not count."""
    return _SPACE.sub("", text)


def _redacted_lines(boxes: list[tuple[float, float, float, float]], leading: float) -> int:
    """Return how many line slots the black boxes cover."""
    return sum(max(1, round(height / leading)) for _, _, width, height in boxes if width > 20 and height > 4)


@dataclass(frozen=True)
class _PageReading:
    """What a page's content gives, whatever the header should say: its lines, width, black boxes and figures."""

    lines: list[TextLine]
    width: float
    boxes: list[tuple[float, float, float, float]]
    figure: bool


# The readings of the last files checked, by (SHA-256, kind). Reading a page's content is nearly all of a check
# (about 20 ms a page); a deposit is checked again, unchanged, each time the software's name, version or
# deposit mode changes, against the new header. Per process; a few files of at most 80 pages each.
READINGS_KEPT = 8
_readings: OrderedDict[tuple[str, str], list[_PageReading | None]] = OrderedDict()
_readings_lock = threading.Lock()


def _page_readings(data: bytes, kind: str) -> list[_PageReading | None]:
    """Return the reading of each page, up to the first page that cannot be read (None), kept for next time."""
    key = (hashlib.sha256(data).hexdigest(), kind)
    with _readings_lock:
        if key in _readings:
            _readings.move_to_end(key)
            return _readings[key]
    readings: list[_PageReading | None] = []
    for page in PdfReader(io.BytesIO(data)).pages:
        try:
            readings.append(_read_content(page, kind=kind))
        except Exception:
            # A page's content is read operator by operator; a damaged one fails in many ways, and whichever
            # it is, the page cannot be checked.
            readings.append(None)
            break
    with _readings_lock:
        _readings[key] = readings
        while len(_readings) > READINGS_KEPT:
            _readings.popitem(last=False)
    return readings


def _read_content(page: PageObject, *, kind: str) -> _PageReading:
    return _PageReading(
        lines=text_lines(page),
        width=float(page.mediabox.width),
        boxes=black_boxes(page) if kind == "program" else [],
        figure=has_image(page.get("/Resources")),
    )


def _read_page(reading: _PageReading, index: int, *, kind: str, expected: str) -> PageReport:
    """Read one page: its header and page number, printed lines, blacked-out lines and figures."""
    lines = reading.lines
    head = _header_count(lines)
    header, number = _read_header(lines[:head], reading.width, expected)
    body = lines[head:]
    leading = statistics.median([a.y - b.y for a, b in itertools.pairwise(body)] or [14.6])
    redacted = _redacted_lines(reading.boxes, leading) if kind == "program" else 0
    return PageReport(index, len(body), redacted, header, number, reading.figure)


def check_deposit(
    source: str | os.PathLike[str] | bytes,
    *,
    kind: str,
    name: str,
    version: str,
    exception: str | None = None,
) -> CheckResult:
    """Check a deposit PDF and return every page's reading and problems."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    label = "程序鉴别材料" if kind == "program" else "文档鉴别材料"
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise DepositError(f"无法读取文件 {source}：{exc.strerror}") from exc
    try:
        total = pdf_intake(data).page_count
    except PdfRejected as rejection:
        return CheckResult(0, [], [PageProblem(None, rejection.code, rejection.message)])
    limit = MAX_PAGES.get(exception, 60) if kind == "program" else 60
    if total > limit:
        # The page count is what to fix first; reading every page of an oversized file is wasted work.
        return CheckResult(
            total,
            [],
            [PageProblem(None, "page_count", f"共{total}页，{label}应为前30页和后30页，共不超过{limit}页")],
        )
    readings = _page_readings(data, kind)
    expected = f"{name} {version}"
    problems: list[PageProblem] = []
    reports: list[PageReport] = []
    previous_number = 0
    # The object-code variant joins two listings; the object code's last page may be short too.
    spare_short_pages = 1 if exception == "object-code" else 0
    for index, reading in enumerate(readings, start=1):
        try:
            report = None if reading is None else _read_page(reading, index, kind=kind, expected=expected)
        except Exception:
            report = None
        if report is None:
            problems.append(PageProblem(index, "corrupt", f"第{index}页已损坏，无法读取"))
            break
        reports.append(report)
        header, number = report.header, report.page_number
        redacted, figure = report.redacted_lines, report.has_figure
        count = report.lines + redacted
        last = index == total
        if header is None:
            problems.append(
                PageProblem(index, "header_missing", f"第{index}页没有页眉，页眉应为“{expected}”")
            )
        elif _squash(header) != _squash(expected):
            problems.append(
                PageProblem(index, "header_mismatch", f"第{index}页页眉为“{header}”，应为“{expected}”")
            )
        if number is None:
            problems.append(PageProblem(index, "page_number_missing", f"第{index}页右上角没有页码"))
        else:
            if index == 1 and number != 1:
                problems.append(PageProblem(index, "page_number_order", f"第1页的页码为{number}，应从1开始"))
            elif number <= previous_number:
                problems.append(
                    PageProblem(
                        index,
                        "page_number_order",
                        f"第{index}页的页码为{number}，没有接在前一页的页码{previous_number}之后",
                    )
                )
            previous_number = number
        if kind == "program":
            if count > LINES_PER_PAGE:
                problems.append(
                    PageProblem(
                        index,
                        "too_many_lines",
                        f"第{index}页有{count}行，程序鉴别材料每页应为50行（折行也计为一行）",
                    )
                )
            elif count < LINES_PER_PAGE and not last:
                if spare_short_pages:
                    spare_short_pages -= 1
                else:
                    problems.append(
                        PageProblem(
                            index, "too_few_lines", f"第{index}页只有{count}行，程序鉴别材料每页不少于50行"
                        )
                    )
            if count == 0:
                problems.append(PageProblem(index, "empty_page", f"第{index}页没有程序文本"))
            if 2 * redacted > count:
                problems.append(
                    PageProblem(
                        index, "redaction_over_half", f"第{index}页涂黑{redacted}行，超过该页{count}行的一半"
                    )
                )
        elif count < DOCUMENT_MIN_LINES and not last and not figure:
            problems.append(
                PageProblem(
                    index,
                    "too_few_lines",
                    f"第{index}页只有{count}行，文档鉴别材料每页不少于30行（有插图的页和最后一页除外）",
                )
            )
    return CheckResult(total, reports, problems)
