"""Build the photos the image tests and the benchmark use: ID cards, handheld photos and hostile files.

The face is scikit-image's astronaut photograph (a real portrait shipped with the package, no download).
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
CARD_SIZE = (856, 540)  # 85.6 × 54 mm at 10 px/mm
CARD_INK = (30, 30, 40)
CARD_LABEL = (40, 90, 150)


@functools.cache
def astronaut() -> Image.Image:
    """Return the astronaut portrait (512×512 RGB), whose face OpenCV's frontal cascade finds."""
    from skimage import data

    return Image.fromarray(data.astronaut())


def portrait() -> Image.Image:
    """Return a head-and-shoulders crop of the astronaut in the proportions of an ID portrait."""
    return astronaut().crop((130, 10, 320, 250))


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return the CJK font at size, or Pillow's default font where it is not installed."""
    try:
        return ImageFont.truetype(FONT_PATH, size, index=0)
    except OSError:
        return ImageFont.load_default(size)


def texture(
    size: tuple[int, int], *, seed: int, base: tuple[int, int, int], contrast: float = 40
) -> Image.Image:
    """Return a smooth, photo-like background: low-frequency shading plus a little grain."""
    rng = np.random.default_rng(seed)
    width, height = size
    coarse = rng.normal(0, 1, (6, 8, 1)).astype(np.float32)
    coarse_image = Image.fromarray(((coarse[:, :, 0] + 3) * 40).clip(0, 255).astype(np.uint8))
    shade = np.asarray(coarse_image.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 40 - 3
    grain = rng.normal(0, 3, (height, width)).astype(np.float32)
    pixels = np.asarray(base, dtype=np.float32)[None, None, :] + (shade * contrast / 3 + grain)[:, :, None]
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")


def _card_background(seed: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    card = texture(CARD_SIZE, seed=seed, base=(226, 232, 238), contrast=12)
    draw = ImageDraw.Draw(card)
    width, height = CARD_SIZE
    for offset in range(0, width + height, 18):  # the fine security pattern of a real card
        draw.line([(offset, 0), (offset - height, height)], fill=(205, 215, 228), width=1)
    return card, draw


def id_card_front(face: Image.Image | None = None, *, seed: int = 11) -> Image.Image:
    """Return the portrait side of a 居民身份证-like card with text fields and face (the astronaut) as portrait."""
    card, draw = _card_background(seed=seed)
    fields = [
        ("姓名", "张小明"),
        ("性别", "女    民族  汉"),
        ("出生", "1990 年 1 月 1 日"),
        ("住址", "北京市朝阳区建国路"),
        ("", "88 号院 3 号楼 1201"),
    ]
    y = 50
    for label, value in fields:
        draw.text((50, y), label, font=font(26), fill=CARD_LABEL)
        draw.text((130, y), value, font=font(30), fill=CARD_INK)
        y += 62
    draw.text((50, 440), "公民身份号码", font=font(26), fill=CARD_LABEL)
    draw.text((230, 436), "11010519900101002X", font=font(36), fill=CARD_INK)
    card.paste((face or portrait()).resize((250, 316), Image.Resampling.LANCZOS), (570, 60))
    return card


def id_card_back() -> Image.Image:
    """Return the national-emblem side of the card: emblem, title, issuing authority and validity."""
    card, draw = _card_background(seed=12)
    draw.ellipse((50, 40, 200, 190), fill=(200, 30, 30))
    draw.regular_polygon((125, 110, 45), 5, fill=(250, 210, 60))
    draw.text((260, 60), "中华人民共和国", font=font(48), fill=CARD_INK)
    draw.text((260, 140), "居民身份证", font=font(64), fill=CARD_INK)
    draw.text((160, 360), "签发机关", font=font(26), fill=CARD_LABEL)
    draw.text((300, 356), "北京市公安局朝阳分局", font=font(30), fill=CARD_INK)
    draw.text((160, 430), "有效期限", font=font(26), fill=CARD_LABEL)
    draw.text((300, 426), "2015.01.01-2035.01.01", font=font(30), fill=CARD_INK)
    return card


def photo_of_card(card: Image.Image, *, size: tuple[int, int] = (1600, 1200), seed: int = 1) -> Image.Image:
    """Return a photo of the card lying on a table, slightly turned, filling most of the frame."""
    photo = texture(size, seed=seed, base=(120, 95, 70), contrast=50)
    card_width = int(size[0] * 0.78)
    scaled = card.resize((card_width, card_width * card.height // card.width), Image.Resampling.LANCZOS)
    turned = scaled.convert("RGBA").rotate(2.5, resample=Image.Resampling.BICUBIC, expand=True)
    photo.paste(turned, ((size[0] - turned.width) // 2, (size[1] - turned.height) // 2), turned)
    return photo


def handheld_photo(
    *, size: tuple[int, int] = (1600, 1200), with_face: bool = True, seed: int = 2
) -> Image.Image:
    """Return a photo of the person (the astronaut) holding the card in front of the chest, taken by another."""
    width, height = size
    photo = texture(size, seed=seed, base=(170, 175, 165), contrast=30)
    if with_face:
        person_size = int(height * 0.8)
        person = astronaut().resize((person_size, person_size), Image.Resampling.LANCZOS)
        photo.paste(person, ((width - person_size) // 2, height - person_size))
    card_width = int(width * 0.36)
    card = id_card_front().resize(
        (card_width, card_width * CARD_SIZE[1] // CARD_SIZE[0]), Image.Resampling.LANCZOS
    )
    photo.paste(card, (int(width * 0.55), int(height * 0.6)))
    return photo


def blurred(image: Image.Image, radius: float) -> Image.Image:
    """Return the image out of focus."""
    return image.filter(ImageFilter.GaussianBlur(radius))


def with_glare(image: Image.Image, *, share: float = 0.04) -> Image.Image:
    """Return the image with a blown-out reflection (an ellipse of about share of the area) on it."""
    width, height = image.size
    radius_x = int((share * width * height / np.pi * 1.6) ** 0.5)
    radius_y = int(radius_x / 1.6)
    centre_x, centre_y = int(width * 0.42), int(height * 0.45)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(
        (centre_x - radius_x, centre_y - radius_y, centre_x + radius_x, centre_y + radius_y), fill=255
    )
    halo = mask.filter(ImageFilter.GaussianBlur(radius_x / 4))
    glare = image.copy()
    glare.paste(Image.new("RGB", image.size, (255, 255, 255)), (0, 0), halo)
    glare.paste(Image.new("RGB", image.size, (255, 255, 255)), (0, 0), mask)
    return glare


def jpeg_bytes(image: Image.Image, *, quality: int = 92, **params) -> bytes:
    """Return the image as a JPEG file."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **params)
    return buffer.getvalue()


def png_bytes(image: Image.Image, **params) -> bytes:
    """Return the image as a PNG file."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **params)
    return buffer.getvalue()


def gif_bytes(image: Image.Image) -> bytes:
    """Return the image as a GIF file."""
    buffer = io.BytesIO()
    image.convert("P").save(buffer, "GIF")
    return buffer.getvalue()


def png_chunk(chunk_type: bytes, data: bytes) -> bytes:
    """Return one PNG chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """Return a valid, small 1-bit PNG that decodes to width × height pixels (a decompression bomb)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    parts = [compressor.compress(row * 1000) for _ in range(height // 1000)]
    parts.append(compressor.compress(row * (height % 1000)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:
    """Return a small ZIP archive holding an HTML page."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<html><script>alert(1)</script></html>")
    return buffer.getvalue()
