"""Time sanitising and the quality checks of a 12-megapixel ID photo (target: all checks ≤100 ms), and the staff watermark.

The watermark is timed three ways in the same run: rendering the whole cover for every view (how it was done
before the repeating block was kept), the first view of a size (the block rendered), and later views.

Run: .venv/bin/python bench/image_checks_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RUANZHU_DATA_DIR", "/tmp/ruanzhu-bench")

import django  # noqa: E402

django.setup()

from PIL import Image  # noqa: E402

from ruanzhu.identity.images import quality, watermark  # noqa: E402
from ruanzhu.identity.images.sanitize import sanitize_upload  # noqa: E402
from ruanzhu.identity.images.watermark import watermark_for_staff  # noqa: E402
from tests.identity import images_fixtures as fx  # noqa: E402

TARGET_MS = 100.0


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--watermark-runs", type=int, default=5)
    options = parser.parse_args()

    photo = fx.handheld_photo(size=(4000, 3000), seed=7)
    upload = fx.jpeg_bytes(photo, quality=90)
    print(
        f"photo: {photo.width}x{photo.height} ({photo.width * photo.height / 1e6:.0f} MP), "
        f"JPEG {len(upload) / 1024 / 1024:.2f} MB, {options.runs} runs"
    )

    clean = sanitize_upload(upload).content
    other_hashes = {"front": quality.photo_hash(fx.jpeg_bytes(fx.photo_of_card(fx.id_card_front())))}
    quality.check_photo(clean, slot="handheld", other_hashes=other_hashes)  # loads the cascade once

    limits = quality.QualityThresholds.from_settings()
    steps: dict[str, list[float]] = {
        name: []
        for name in (
            "sanitize (decode + re-encode)",
            "checks: decode reduced grey copy",
            "checks: too_small",
            "checks: blurred",
            "checks: glare",
            "checks: no_face",
            "checks: duplicate (hash)",
            "check_photo (all checks, one call)",
        )
    }
    for _ in range(options.runs):
        _, elapsed = timed(sanitize_upload, upload)
        steps["sanitize (decode + re-encode)"].append(elapsed)
        copy, elapsed = timed(quality._working_copy, clean)
        steps["checks: decode reduced grey copy"].append(elapsed)
        steps["checks: too_small"].append(timed(quality._check_size, copy, limits)[1])
        steps["checks: blurred"].append(timed(quality._check_sharpness, copy, limits)[1])
        steps["checks: glare"].append(timed(quality._check_glare, copy, limits)[1])
        steps["checks: no_face"].append(
            timed(quality._check_face, copy, code="no_face", min_share=limits.min_face_share)[1]
        )
        steps["checks: duplicate (hash)"].append(timed(duplicate_check, copy, other_hashes, limits)[1])
        checks, elapsed = timed(quality.check_photo, clean, slot="handheld", other_hashes=other_hashes)
        steps["check_photo (all checks, one call)"].append(elapsed)
    failed = [check.code for check in checks if not check.passed]

    print(f"{'step':40s} {'mean ms':>9s} {'p95 ms':>9s}")
    for name, samples in steps.items():
        print(f"{name:40s} {statistics.fmean(samples):9.1f} {percentile(samples, 95):9.1f}")
    rendered = [timed(watermark_rendered_each_view, clean)[1] for _ in range(options.watermark_runs)]
    cold = []
    for _ in range(options.watermark_runs):
        watermark._pattern.cache_clear()
        cold.append(timed(watermark_for_staff, clean)[1])
    warm = [timed(watermark_for_staff, clean)[1] for _ in range(options.watermark_runs)]
    for name, samples in (
        ("watermark: cover rendered every view", rendered),
        ("watermark: first view of a size", cold),
        ("watermark_for_staff (block kept)", warm),
    ):
        print(f"{name:40s} {statistics.fmean(samples):9.1f} {percentile(samples, 95):9.1f}")

    total_p95 = percentile(steps["check_photo (all checks, one call)"], 95)
    verdict = "met" if total_p95 <= TARGET_MS else "MISSED"
    print(
        f"all checks p95 {total_p95:.1f} ms: target ≤{TARGET_MS:.0f} ms {verdict}; failed checks: {failed or 'none'}"
    )


def watermark_rendered_each_view(image_bytes: bytes, text: str = watermark.WATERMARK_TEXT) -> bytes:
    """The staff watermark as it was drawn before: the whole cover composed copy by copy for every view."""
    with Image.open(io.BytesIO(image_bytes)) as source:
        source_format = source.format
        image = source.convert("RGBA")
    width, height = image.size
    size = max(14, min(width, height) // 24)
    tile, text_width = watermark._text_tile(text, size=size)
    canvas = Image.new("RGBA", (width + 2 * tile.width, height + 2 * tile.height), (0, 0, 0, 0))
    angle = math.radians(watermark.WATERMARK_ANGLE)
    along = text_width + 2 * size
    along_x, along_y = along * math.cos(angle), -along * math.sin(angle)
    line_gap = 6 * size
    rows = (canvas.height + canvas.width) // line_gap + 2
    columns = int(canvas.width / along_x) + 2
    for row in range(rows):
        for column in range(-columns, columns + 1):
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
        marked.convert("RGB").save(buffer, "JPEG", quality=watermark.JPEG_QUALITY)
    return buffer.getvalue()


def duplicate_check(copy, other_hashes, limits):
    return quality._check_duplicate(quality._dhash(copy.grey), other_hashes, limits)


def percentile(samples: list[float], share: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
