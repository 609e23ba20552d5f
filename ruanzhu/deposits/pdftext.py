"""Read a PDF page back as positioned text lines, black boxes and images."""

from dataclasses import dataclass, field

from pypdf import PageObject
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject

# Baselines closer than this (points) belong to the same printed line.
SAME_LINE = 1.5
DARK = 0.25


@dataclass
class TextLine:
    """One printed line: its baseline and its text fragments ordered left to right."""

    y: float
    fragments: list[tuple[float, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Return the line's text, fragments joined in reading order."""
        return "".join(text for _, text in sorted(self.fragments))


def _multiply(tm: list[float], cm: list[float]) -> tuple[float, float]:
    """Return the device position of a text matrix's origin."""
    x, y = tm[4], tm[5]
    return x * cm[0] + y * cm[2] + cm[4], x * cm[1] + y * cm[3] + cm[5]


def text_lines(page: PageObject) -> list[TextLine]:
    """Return the page's text lines from top to bottom."""
    pieces: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        cleaned = text.replace("\n", "").replace("\r", "")
        if cleaned.strip():
            x, y = _multiply(tm, cm)
            pieces.append((round(y, 2), round(x, 2), cleaned))

    page.extract_text(visitor_text=visit)
    pieces.sort(key=lambda piece: (-piece[0], piece[1]))
    lines: list[TextLine] = []
    for y, x, text in pieces:
        if lines and abs(lines[-1].y - y) <= SAME_LINE:
            lines[-1].fragments.append((x, text))
        else:
            lines.append(TextLine(y, [(x, text)]))
    return lines


def _is_dark(operator: bytes, operands: list[object]) -> bool | None:
    """Tell whether a fill-colour operator sets a dark colour, or None if it sets no fill colour."""
    values = [float(value) for value in operands if isinstance(value, int | float)]
    if operator == b"g" and values:
        return values[0] <= DARK
    if operator == b"rg" and len(values) == 3:
        return max(values) <= DARK
    if operator == b"k" and len(values) == 4:
        return values[3] >= 1 - DARK or min(values[:3]) >= 1 - DARK
    return None


def black_boxes(page: PageObject) -> list[tuple[float, float, float, float]]:
    """Return filled dark rectangles (x, y, width, height) drawn directly on the page."""
    contents = page.get_contents()
    if contents is None:
        return []
    boxes: list[tuple[float, float, float, float]] = []
    pending: list[tuple[float, float, float, float]] = []
    dark = True  # the initial fill colour is black
    saved: list[bool] = []
    for operands, operator in ContentStream(contents, page.pdf).operations:
        if operator == b"q":
            saved.append(dark)
        elif operator == b"Q" and saved:
            dark = saved.pop()
        elif operator == b"re" and len(operands) == 4:
            x, y, w, h = (float(value) for value in operands)
            pending.append((x, min(y, y + h), abs(w), abs(h)))
        elif operator in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
            if dark:
                boxes.extend(pending)
            pending = []
        elif operator in (b"n", b"S", b"s"):
            pending = []
        else:
            shade = _is_dark(operator, operands)
            if shade is not None:
                dark = shade
    return boxes


def _resolve(value: object) -> object:
    """Follow an indirect reference."""
    return value.get_object() if isinstance(value, IndirectObject) else value


def has_image(resources: object, depth: int = 0) -> bool:
    """Tell whether a resource dictionary draws an image, looking into form XObjects."""
    resources = _resolve(resources)
    if not isinstance(resources, DictionaryObject) or depth > 3:
        return False
    xobjects = _resolve(resources.get("/XObject"))
    if not isinstance(xobjects, DictionaryObject):
        return False
    for value in xobjects.values():
        xobject = _resolve(value)
        if not isinstance(xobject, DictionaryObject):
            continue
        if xobject.get("/Subtype") == "/Image":
            return True
        if xobject.get("/Subtype") == "/Form" and has_image(xobject.get("/Resources"), depth + 1):
            return True
    return False
