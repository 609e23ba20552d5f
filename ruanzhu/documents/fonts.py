"""Fonts for documents: the deposit builder's font loading, with a logged warning on the fallback."""

import logging
from dataclasses import dataclass

from reportlab.lib.fonts import addMapping

from ruanzhu.deposits.fonts import DEFAULT_FONT_PATH, load_font

logger = logging.getLogger(__name__)

# Module-level so that tests (and an odd deployment) can point it elsewhere.
FONT_PATH = DEFAULT_FONT_PATH

_warned: set[str] = set()


@dataclass(frozen=True)
class DocumentFonts:
    """Registered ReportLab font names for body text and for fixed-width text."""

    regular: str
    mono: str
    embedded: bool


def document_fonts() -> DocumentFonts:
    """Return the document fonts: WenQuanYi Micro Hei embedded, or STSong-Light when the file is missing."""
    path = FONT_PATH
    regular = load_font(path, mono=False)
    mono = load_font(path, mono=True)
    if not regular.embedded and path not in _warned:
        _warned.add(path)
        logger.warning(
            "Font file %s not found: documents use ReportLab's STSong-Light, which is not embedded.", path
        )
    for name in {regular.name, mono.name}:
        # The fonts have no bold or italic faces; <b> and <i> in paragraphs fall back to the same face.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
    return DocumentFonts(regular=regular.name, mono=mono.name, embedded=regular.embedded)
