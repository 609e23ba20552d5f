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
    yield
    watermark._font.cache_clear()


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
