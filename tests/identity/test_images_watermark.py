import io
import logging

import numpy as np
import pytest
from PIL import Image

from ruanzhu.identity.images import watermark
from ruanzhu.identity.images.watermark import WATERMARK_TEXT, watermark_for_staff

from . import images_fixtures as fx


@pytest.fixture(autouse=True)
def fresh_font_cache():
    watermark._font.cache_clear()
    watermark._pattern.cache_clear()
    yield
    watermark._font.cache_clear()
    watermark._pattern.cache_clear()


def decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def changed_mask(before: bytes, after: bytes) -> np.ndarray:
    return np.abs(decoded(before) - decoded(after)).max(axis=2) > 12


def test_watermark_text_is_the_one_the_applicant_is_told_about():
    assert WATERMARK_TEXT == "仅供办理中国版权保护中心各项申请使用"


def test_watermark_keeps_size_and_format():
    photo = fx.photo_of_card(fx.id_card_front())
    jpeg = fx.jpeg_bytes(photo)
    png = fx.png_bytes(photo.resize((800, 600)))

    with Image.open(io.BytesIO(watermark_for_staff(jpeg))) as marked:
        assert (marked.format, marked.size) == ("JPEG", photo.size)
    with Image.open(io.BytesIO(watermark_for_staff(png))) as marked:
        assert (marked.format, marked.size) == ("PNG", (800, 600))


def test_watermark_is_tiled_over_the_whole_image():
    plain = fx.png_bytes(Image.new("RGB", (1200, 900), (200, 200, 200)))

    mask = changed_mask(plain, watermark_for_staff(plain))

    assert 0.03 < mask.mean() < 0.6
    for rows in (slice(0, 450), slice(450, 900)):
        for columns in (slice(0, 600), slice(600, 1200)):
            assert mask[rows, columns].mean() > 0.02  # every quarter carries text


def test_watermark_runs_diagonally():
    plain = fx.png_bytes(Image.new("RGB", (1200, 900), (200, 200, 200)))
    mask = changed_mask(plain, watermark_for_staff(plain))

    def overlap(dx: int, dy: int) -> float:
        moved = np.roll(mask, (dy, dx), axis=(0, 1))
        return float((mask & moved).sum() / mask.sum())

    # Text lines rise to the right at 30°: the mask matches itself when moved along that direction far better
    # than when moved along the mirrored one or straight across.
    rising, falling, across = overlap(40, -23), overlap(40, 23), overlap(40, 0)
    assert rising > 1.5 * falling
    assert rising > 1.2 * across


def test_watermark_is_semi_transparent():
    black = fx.png_bytes(Image.new("RGB", (900, 600), (0, 0, 0)))
    white = fx.png_bytes(Image.new("RGB", (900, 600), (255, 255, 255)))

    on_black = decoded(watermark_for_staff(black))
    on_white = decoded(watermark_for_staff(white))

    # Where the text lies, the paper still shows through: marks on black stay dark, marks on white stay light.
    assert on_black.max() < 160
    assert on_white.min() > 100


def test_watermark_draws_the_chinese_text_with_the_cjk_font(caplog):
    with caplog.at_level(logging.WARNING, logger="ruanzhu.identity.images.watermark"):
        font = watermark._font(40)

    assert font.path == watermark.WATERMARK_FONT
    assert not caplog.records
    # Every character of the text has a glyph in this font (no blank boxes).
    assert all(font.getmask(char).getbbox() for char in WATERMARK_TEXT)


def test_missing_font_falls_back_to_the_default_font_and_still_watermarks(monkeypatch, caplog):
    monkeypatch.setattr(watermark, "WATERMARK_FONT", "/nonexistent/font.ttc")
    plain = fx.png_bytes(Image.new("RGB", (900, 600), (200, 200, 200)))

    with caplog.at_level(logging.WARNING, logger="ruanzhu.identity.images.watermark"):
        marked = watermark_for_staff(plain)

    assert changed_mask(plain, marked).mean() > 0.005
    assert any("font" in record.getMessage() for record in caplog.records)


def test_watermarked_copy_carries_no_metadata():
    exif = Image.Exif()
    exif[0x0110] = "PhoneModel X"
    upload = fx.jpeg_bytes(fx.photo_of_card(fx.id_card_back()), exif=exif)

    marked = watermark_for_staff(upload)

    with Image.open(io.BytesIO(marked)) as image:
        assert not image.getexif()


def test_mark_is_cut_from_one_block_kept_per_text_size():
    first = fx.jpeg_bytes(fx.photo_of_card(fx.id_card_front(), size=(1200, 900), seed=1))
    second = fx.jpeg_bytes(fx.photo_of_card(fx.id_card_back(), size=(1200, 900), seed=2))

    watermark_for_staff(first)
    watermark_for_staff(second)
    watermark_for_staff(fx.png_bytes(Image.new("RGB", (600, 400), (200, 200, 200))))

    info = watermark._pattern.cache_info()
    assert (info.misses, info.hits) == (2, 1)  # two text sizes, the second photo of a size reuses its block
    block = watermark._pattern(WATERMARK_TEXT, 900 // 24, watermark.WATERMARK_FONT)
    # The block is smaller than a photo and holds the text alone: transparent but for the grey text and its
    # light outline, nothing of any photo.
    assert block.width < 1200 and block.height < 900
    pixels = np.asarray(block).reshape(-1, 4)
    shown = pixels[pixels[:, 3] > 0, :3]
    assert 0 < len(shown) < 0.6 * len(pixels)
    assert (np.abs(shown[:, :1] - shown).max(axis=1) <= 1).all()  # grey levels only


def test_kept_block_marks_every_photo_of_a_size_alike():
    light = fx.png_bytes(Image.new("RGB", (1000, 700), (180, 180, 180)))
    dark = fx.png_bytes(Image.new("RGB", (1000, 700), (128, 128, 128)))

    def touched(data: bytes) -> np.ndarray:
        return np.abs(decoded(data) - decoded(watermark_for_staff(data))).max(axis=2) > 0

    first, again, on_dark = touched(light), touched(light), touched(dark)

    assert (first == again).all()
    assert 0.05 < first.mean() < 0.6
    # The same places carry the text on another photo of the size (but for the faintest anti-aliased edges).
    assert (first & on_dark).sum() > 0.97 * max(first.sum(), on_dark.sum())


def test_png_with_transparency_keeps_it():
    photo = Image.new("RGBA", (800, 600), (200, 200, 200, 255))
    photo.paste((0, 0, 0, 0), (0, 0, 200, 200))

    with Image.open(io.BytesIO(watermark_for_staff(fx.png_bytes(photo)))) as marked:
        assert marked.mode == "RGBA"
        assert marked.getpixel((10, 10))[3] < 255 and marked.getpixel((700, 500))[3] == 255
