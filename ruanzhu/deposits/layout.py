"""Turn source text into printed lines of a fixed width: blank lines dropped, long lines wrapped."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4

from .fonts import DepositFont

PAGE_WIDTH, PAGE_HEIGHT = A4
LINES_PER_PAGE = 50
BODY_SIZE = 9.0
HEADER_SIZE = 10.0
LEFT = 42.0
RIGHT = 36.0
HEADER_BASELINE = PAGE_HEIGHT - 40.0
BODY_TOP = PAGE_HEIGHT - 64.0
LEADING = 14.6
TAB_SIZE = 4
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class LineWrapper:
    """Wrap lines to the body width of the deposit page, replacing characters the font lacks."""

    font: DepositFont
    size: float = BODY_SIZE
    width: float = PAGE_WIDTH - LEFT - RIGHT
    _printable: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        widest_ascii = max(self.font.char_width(chr(code)) for code in range(32, 127))
        self._limit = self.width * 1000 / self.size
        # Any ASCII line this short fits whatever the glyph widths are: the common case costs one len().
        self.ascii_columns = int(self._limit // widest_ascii)

    def _clean(self, line: str) -> str:
        """Replace control characters and glyphs missing from the font by '?'."""
        out = []
        for char in line:
            shown = self._printable.get(char)
            if shown is None:
                shown = char if char == " " or self.font.can_print(char) else "?"
                self._printable[char] = shown
            out.append(shown)
        return "".join(out)

    def wrap(self, line: str) -> list[str]:
        """Return the printed lines of one source line (already stripped of trailing space)."""
        if len(line) <= self.ascii_columns and line.isascii() and line.isprintable():
            return [line]
        line = self._clean(line)
        pieces: list[str] = []
        start = 0
        used = 0.0
        char_width = self.font.char_width
        for index, char in enumerate(line):
            advance = char_width(char)
            if used + advance > self._limit and index > start:
                pieces.append(line[start:index])
                start, used = index, 0.0
            used += advance
        pieces.append(line[start:])
        # A piece made only of spaces prints as nothing and would read back as a missing line.
        return [piece for piece in pieces if piece.strip()]


def printed_lines(
    text: str,
    wrapper: LineWrapper,
    strip: Callable[[str], str] | None,
    wanted: Callable[[int], bool] | None = None,
) -> tuple[list[str], list[int]]:
    """Return a file's printed lines and, when wanted is given, the indexes of those it selects."""
    if strip is not None:
        text = strip(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.expandtabs(TAB_SIZE)
    kept = [line for line in map(str.rstrip, text.split("\n")) if line]
    if wanted is None:
        columns = wrapper.ascii_columns
        if text.isascii() and _CONTROL.search(text) is None and (not kept or max(map(len, kept)) <= columns):
            return kept, []
        out: list[str] = []
        for line in kept:
            out.extend(wrapper.wrap(line))
        return out, []
    # Slow path, only for files named in a redaction: keep each printed line's source line number.
    out = []
    marked: list[int] = []
    for number, line in enumerate(map(str.rstrip, text.split("\n")), start=1):
        if not line:
            continue
        for piece in wrapper.wrap(line):
            if wanted(number):
                marked.append(len(out))
            out.append(piece)
    return out, marked
