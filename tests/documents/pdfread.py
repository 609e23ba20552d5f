"""Reading rendered documents back: text per page, fonts, rasterised pages."""

import io
import subprocess

import numpy as np
from pypdf import PdfReader


def pages_text(pdf: bytes) -> list[str]:
    """Return the extracted text of every page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat_text(pdf: bytes) -> str:
    """Return the text of all pages without line breaks or spaces (wrapped text reads as one string)."""
    return "".join("".join(pages_text(pdf)).split())


def page_fonts(pdf: bytes, index: int = 0) -> list[dict]:
    """Return the font dictionaries used on a page."""
    page = PdfReader(io.BytesIO(pdf)).pages[index]
    return [font.get_object() for font in page["/Resources"]["/Font"].values()]


def text_fragments(pdf: bytes, index: int = 0) -> list[tuple[str, float, float, float]]:
    """Return (text, x, y, font size) of each piece of text drawn on a page, in page coordinates."""
    fragments = []

    def visit(text, cm, tm, font_dict, font_size):
        text = text.strip()
        if text:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            fragments.append((text, x, y, font_size * tm[0]))

    PdfReader(io.BytesIO(pdf)).pages[index].extract_text(visitor_text=visit)
    return fragments


def rasterise(pdf: bytes, tmp_path, dpi: int = 150) -> np.ndarray:
    """Return the first page as a greyscale image, rendered by poppler's pdftoppm."""
    import cv2

    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-gray",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            tmp_path / "page",
        ],
        check=True,
        timeout=30,
    )
    image = cv2.imread(str(tmp_path / "page.png"), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image
