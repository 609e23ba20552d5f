"""Fonts for deposits: an embedded CJK font when present, ReportLab's STSong-Light otherwise."""

import os
import sys
import unicodedata
from dataclasses import dataclass, field

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from .errors import DepositError

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FALLBACK_FONT = "STSong-Light"
MONO_SUBFONT = 1  # WenQuanYi Micro Hei Mono
SANS_SUBFONT = 0  # WenQuanYi Micro Hei


@dataclass
class DepositFont:
    """A registered font with a cached per-character width table."""

    name: str
    embedded: bool
    cmap: frozenset[int] | None
    _widths: dict[str, float] = field(default_factory=dict)

    def width(self, text: str, size: float) -> float:
        """Return the width of text at the given size."""
        return pdfmetrics.stringWidth(text, self.name, size)

    def char_width(self, char: str) -> float:
        """Return the width of one character at size 1000 (cached)."""
        width = self._widths.get(char)
        if width is None:
            width = pdfmetrics.stringWidth(char, self.name, 1000)
            self._widths[char] = width
        return width

    def can_print(self, char: str) -> bool:
        """Tell whether the font has a glyph for char."""
        if unicodedata.category(char)[0] == "C":
            return False
        if self.cmap is None:
            # STSong-Light covers GB 18030's common planes; astral characters are beyond it.
            return ord(char) < 0x10000
        return ord(char) in self.cmap


_cache: dict[tuple[str, int], DepositFont] = {}


def load_font(font_path: str | None = None, *, mono: bool = True) -> DepositFont:
    """Register and return the deposit font, falling back to STSong-Light with a note on stderr."""
    path = DEFAULT_FONT_PATH if font_path is None else font_path
    subfont = MONO_SUBFONT if mono else SANS_SUBFONT
    key = (path, subfont)
    if key in _cache:
        return _cache[key]
    if os.path.exists(path):
        name = f"RuanzhuMono{len(_cache)}" if mono else f"RuanzhuSans{len(_cache)}"
        try:
            ttf = TTFont(name, path, subfontIndex=subfont)
        except Exception as exc:  # a damaged font file is an environment problem, not an input one
            raise DepositError(f"无法读取字体文件 {path}: {exc}") from exc
        pdfmetrics.registerFont(ttf)
        font = DepositFont(name=name, embedded=True, cmap=frozenset(ttf.face.charToGlyph))
    else:
        print(
            f"字体文件 {path} 不存在，改用 ReportLab 内置的 {FALLBACK_FONT}（不嵌入，非等宽）",
            file=sys.stderr,
        )
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        font = DepositFont(name=FALLBACK_FONT, embedded=False, cmap=None)
    _cache[key] = font
    return font


def require_printable(font: DepositFont, label: str, text: str) -> None:
    """Refuse a header field containing characters the font cannot print."""
    if not text.strip():
        raise DepositError(f"{label}不能为空")
    bad = sorted({char for char in text if not font.can_print(char)})
    if bad:
        shown = " ".join(f"U+{ord(char):04X}" for char in bad)
        raise DepositError(f"{label}“{text}”含有字体无法打印的字符：{shown}")
