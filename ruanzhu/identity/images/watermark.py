"""Mark the copy of an ID image shown to staff with the purpose the applicant agreed to."""

from __future__ import annotations

import functools
import io
import logging
import math

from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

WATERMARK_TEXT = "仅供办理中国版权保护中心各项申请使用"
WATERMARK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
WATERMARK_ANGLE = 30  # degrees, counter-clockwise
WATERMARK_OPACITY = 96  # of 255: the document stays readable under the text
JPEG_QUALITY = 90
# Blocks of the mark kept per process, one per text size (about 5 MB for a 12-megapixel photo's size).
PATTERN_CACHE_SIZE = 8


def watermark_for_staff(image_bytes: bytes, *, text: str = WATERMARK_TEXT) -> bytes:
    """Return the image with text tiled diagonally across it, semi-transparent, in the input's format.

    The text is the same for every viewer and every photo, so the mark depends only on the text and the size of
    the image: a repeating block, rendered once per text size and kept in this process (_pattern), is laid
    over the photo cell by cell. The block holds no personal data; the photo and the marked copy are never
    cached.
    """
    with Image.open(io.BytesIO(image_bytes)) as source:
        source_format = source.format
        source.load()
        has_alpha = source.mode in ("RGBA", "LA", "PA") or "transparency" in source.info
        image = source.convert("RGBA" if has_alpha else "RGB")
    width, height = image.size
    block = _pattern(text, max(14, min(width, height) // 24), WATERMARK_FONT)
    cells = [(left, top) for top in range(0, height, block.height) for left in range(0, width, block.width)]
    if has_alpha:
        for cell in cells:
            image.alpha_composite(block, dest=cell)
    else:
        # Pasting through the block's alpha blends exactly as compositing it over an opaque photo does.
        colour, alpha = block.convert("RGB"), block.getchannel("A")
        for cell in cells:
            image.paste(colour, cell, alpha)
    buffer = io.BytesIO()
    if source_format == "PNG":
        image.save(buffer, "PNG")
    else:
        image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


@functools.lru_cache(maxsize=PATTERN_CACHE_SIZE)
def _pattern(text: str, size: int, font_path: str) -> Image.Image:
    """Return the repeating block of the mark (RGBA, not to be changed) for text drawn at size in font_path.

    Copies of the turned text lie on a rectangular grid: a cell is half as wide as the run of one copy (its
    length plus a margin) and as high as its rise, so that two cells to the right and one up is the next copy on
    the same line of text, and the lines rise at WATERMARK_ANGLE, a quarter of a copy's length apart. The cover
    therefore repeats with the cell, and the block is one cell with the copies that reach into it from others.
    """
    tile, text_width = _text_tile(text, size=size)
    angle = math.radians(WATERMARK_ANGLE)
    along = text_width + 2 * size  # distance between the starts of two copies on one line
    rise = max(1, round(along * math.sin(angle) / 2))  # half the rise of one copy: the gap between two lines
    pitch_x = max(1, round(rise / math.tan(angle)))  # half the run of one copy
    pitch_y = 2 * rise
    canvas = Image.new("RGBA", (pitch_x + tile.width, pitch_y + tile.height), (0, 0, 0, 0))
    for column in range(-(tile.width // pitch_x) - 1, 1):
        for row in range(-(tile.height // pitch_y) - 1, 1):
            left, top = column * pitch_x + tile.width, row * pitch_y + tile.height
            if left >= 0 and top >= 0:
                canvas.alpha_composite(tile, (left, top))
    return canvas.crop((tile.width, tile.height, tile.width + pitch_x, tile.height + pitch_y))


def _text_tile(text: str, *, size: int) -> tuple[Image.Image, int]:
    """Return the text drawn once and turned, grey with a light outline so it shows on dark and light paper,
    and the width of the unturned text."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, stroke_width=max(1, size // 12))
    tile = Image.new("RGBA", (right - left + 4, bottom - top + 4), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text(
        (2 - left, 2 - top),
        text,
        font=font,
        fill=(90, 90, 90, WATERMARK_OPACITY),
        stroke_width=max(1, size // 12),
        stroke_fill=(255, 255, 255, WATERMARK_OPACITY // 2),
    )
    return tile.rotate(WATERMARK_ANGLE, resample=Image.Resampling.BICUBIC, expand=True), tile.width


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(WATERMARK_FONT, size, index=0)
    except OSError:
        logger.warning(
            "CJK font %s not found: the watermark uses Pillow's default font, which may not draw Chinese",
            WATERMARK_FONT,
        )
        return ImageFont.load_default(size)
