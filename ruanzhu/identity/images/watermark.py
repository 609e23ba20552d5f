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


def watermark_for_staff(image_bytes: bytes, *, text: str = WATERMARK_TEXT) -> bytes:
    """Return the image with text tiled diagonally across it, semi-transparent, in the input's format."""
    with Image.open(io.BytesIO(image_bytes)) as source:
        source_format = source.format
        image = source.convert("RGBA")
    width, height = image.size
    size = max(14, min(width, height) // 24)
    tile, text_width = _text_tile(text, size=size)
    # Copies of the turned text are laid along parallel diagonal lines, on a canvas one tile larger on every
    # side, so that partial copies cover the edges too; the canvas is then cropped to the image.
    canvas = Image.new("RGBA", (width + 2 * tile.width, height + 2 * tile.height), (0, 0, 0, 0))
    angle = math.radians(WATERMARK_ANGLE)
    along = text_width + 2 * size
    along_x, along_y = along * math.cos(angle), -along * math.sin(angle)
    line_gap = 6 * size  # vertical distance between the lines of text
    rows = (canvas.height + canvas.width) // line_gap + 2
    columns = int(canvas.width / along_x) + 2
    for row in range(rows):
        for column in range(-columns, columns + 1):
            # Odd lines start half a copy further along their own direction: a brick-like, even cover.
            position = column + (row % 2) / 2
            left = round(position * along_x)
            top = round(row * line_gap + position * along_y)
            if 0 <= left <= canvas.width - tile.width and 0 <= top <= canvas.height - tile.height:
                canvas.alpha_composite(tile, (left, top))
    overlay = canvas.crop((tile.width, tile.height, tile.width + width, tile.height + height))
    marked = Image.alpha_composite(image, overlay)
    buffer = io.BytesIO()
    if source_format == "PNG":
        marked.save(buffer, "PNG")
    else:
        marked.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


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
