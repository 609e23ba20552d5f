"""Instant quality feedback on an ID photo: too small, blurred, glare, no face, the same picture twice.

The checks are advice shown before submission and to the reviewer; the caller decides which ones block.
They expect the output of sanitize_upload (upright, no EXIF). Budget: all checks within 100 ms for a
12-megapixel photo on two cores, decode included (bench/image_checks_bench.py times them, bench/photo_eval.py
counts how often each is right on a labelled set of composed photos). So the photo is decoded once, in grey
and already reduced (libjpeg scales by 1/2, 1/4 or 1/8 while decoding, which costs a fraction of a full
decode), to a working copy whose long side is about WORK_LONG_SIDE pixels; every measure is taken on that
copy, which also makes the blur measure independent of the camera's resolution.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import cv2
import numpy as np
from django.conf import settings
from django.utils.translation import gettext
from PIL import Image

WORK_LONG_SIDE = 1000
# Haar detection costs grow with the pixel count: faces are looked for on a copy of at most 640 px.
FACE_LONG_SIDE = 640
FACE_CASCADE = "haarcascade_frontalface_default.xml"
MIN_FACE_PIXELS = 30  # the smallest accepted face on the detection copy; the cascade's window is 24 px
FACE_SCALE_STEP = 1.2  # the cascade's window grows by this factor from one scale to the next
# When the coarse search finds nothing, it is repeated with finer steps. Finer steps give every window more
# neighbours at nearby scales, faces and face-like patterns alike, so more of them must agree there.
FINE_FACE_SCALE_STEP = 1.1
MIN_NEIGHBOURS = 5
FINE_MIN_NEIGHBOURS = 7
# On a 居民身份证 the portrait is 26 × 32 mm on a card 54 mm high, its face about 16 mm wide: even a card that
# fills the photo shows a face under 0.3 of its short side. Larger "faces" on the front are the emblem and text
# of a back, or not a card.
MAX_PORTRAIT_SHARE = 0.4
COARSE_FACE_SHARE = 0.10  # faces this large (of the short side) are looked for first, on a small copy
# The frontal cascade finds faces tilted by up to about 10°: copies turned by this much cover 15° and more.
TURN_DEGREES = 12
BLOWN_OUT = 250  # grey level from which a pixel counts as burnt out by a reflection
SHARPNESS_GRID = 8  # the sharpness is measured per tile of an 8 × 8 grid
SHARPNESS_PERCENTILE = 98  # about the second sharpest of the 64 tiles
SECOND_DERIVATIVES = tuple(
    np.array(kernel, dtype=np.float32)
    for kernel in (
        [[0, 0, 0], [1, -2, 1], [0, 0, 0]],
        [[0, 1, 0], [0, -2, 0], [0, 1, 0]],
        [[1, 0, 0], [0, -2, 0], [0, 0, 1]],
        [[0, 0, 1], [0, -2, 0], [1, 0, 0]],
    )
)
HASH_BITS = 64
HASH_MASK = (1 << HASH_BITS) - 1


@dataclass(frozen=True)
class Check:
    """The outcome of one check; value and threshold are in the check's own unit."""

    code: str
    passed: bool
    message: str
    value: float | None
    threshold: float | None


@dataclass(frozen=True)
class QualityThresholds:
    """Limits of the checks; calibrated on the composed ID photos of tests/identity (see the test module)."""

    min_short_side: int = 600
    min_sharpness: float = 100.0
    max_glare_share: float = 0.01
    max_duplicate_distance: int = 10
    # The person's face must fill a tenth of the short side: the portrait printed on the card held beside it
    # is about seven times smaller, so it does not pass for the person. The card's own portrait is smaller.
    min_face_share: float = 0.10
    min_portrait_share: float = 0.06

    @classmethod
    def from_settings(cls) -> QualityThresholds:
        """Return the thresholds, each overridable by an IDENTITY_PHOTO_* setting."""
        defaults = cls()
        if not settings.configured:
            return defaults
        return cls(
            min_short_side=getattr(settings, "IDENTITY_PHOTO_MIN_SHORT_SIDE", defaults.min_short_side),
            min_sharpness=getattr(settings, "IDENTITY_PHOTO_MIN_SHARPNESS", defaults.min_sharpness),
            max_glare_share=getattr(settings, "IDENTITY_PHOTO_MAX_GLARE_SHARE", defaults.max_glare_share),
            max_duplicate_distance=getattr(
                settings, "IDENTITY_PHOTO_MAX_DUPLICATE_DISTANCE", defaults.max_duplicate_distance
            ),
            min_face_share=getattr(settings, "IDENTITY_PHOTO_MIN_FACE_SHARE", defaults.min_face_share),
            min_portrait_share=getattr(
                settings, "IDENTITY_PHOTO_MIN_PORTRAIT_SHARE", defaults.min_portrait_share
            ),
        )


@dataclass(frozen=True)
class _WorkingCopy:
    width: int
    height: int
    grey: np.ndarray


def check_photo(
    image_bytes: bytes,
    *,
    slot: str,
    other_hashes: dict[str, int] | None = None,
    thresholds: QualityThresholds | None = None,
) -> list[Check]:
    """Return the checks of one photo for slot ("front", "back", "handheld"...), failed and passed alike.

    other_hashes maps the other photos of the same application, by the name the applicant knows them by
    (“证件照正面” …), to their photo_hash(); the duplicate message names the photo it matches that way.
    """
    limits = thresholds or QualityThresholds.from_settings()
    copy = _working_copy(image_bytes)
    checks = [
        _check_size(copy, limits),
        _check_sharpness(copy, limits),
        _check_glare(copy, limits),
    ]
    if slot == "handheld":
        checks.append(_check_face(copy, code="no_face", min_share=limits.min_face_share))
    elif slot == "front":
        checks.append(
            _check_face(
                copy, code="no_portrait", min_share=limits.min_portrait_share, max_share=MAX_PORTRAIT_SHARE
            )
        )
    checks.append(_check_duplicate(_dhash(copy.grey), other_hashes or {}, limits))
    return checks


def photo_hash(image_bytes: bytes) -> int:
    """Return the 64-bit perceptual hash (dHash) of the photo, to store and compare with hash_distance.

    It is unsigned: store it as 16 hex digits, or subtract 2**63 for a signed BigIntegerField.
    """
    return _dhash(_working_copy(image_bytes).grey)


def hash_distance(first: int, second: int) -> int:
    """Return the number of differing bits of two photo hashes (0: the same picture)."""
    return ((first ^ second) & HASH_MASK).bit_count()


def _working_copy(image_bytes: bytes) -> _WorkingCopy:
    """Decode the photo once, in grey, reduced while decoding and then resized to WORK_LONG_SIDE at most."""
    with Image.open(io.BytesIO(image_bytes)) as header:  # reads the header only
        width, height = header.size
    long_side = max(width, height)
    flag = cv2.IMREAD_GRAYSCALE
    for factor, reduced_flag in (
        (8, cv2.IMREAD_REDUCED_GRAYSCALE_8),
        (4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
        (2, cv2.IMREAD_REDUCED_GRAYSCALE_2),
    ):
        if long_side // factor >= WORK_LONG_SIDE:
            flag = reduced_flag
            break
    grey = cv2.imdecode(np.frombuffer(image_bytes, dtype=np.uint8), flag)
    if grey is None:
        raise ValueError("The photo cannot be decoded; pass it through sanitize_upload first.")
    grey = _shrink(grey, WORK_LONG_SIDE)
    return _WorkingCopy(width=width, height=height, grey=grey)


def _shrink(grey: np.ndarray, long_side: int) -> np.ndarray:
    height, width = grey.shape
    scale = long_side / max(width, height)
    if scale >= 1:
        return grey
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def _check_size(copy: _WorkingCopy, limits: QualityThresholds) -> Check:
    short_side = min(copy.width, copy.height)
    passed = short_side >= limits.min_short_side
    if passed:
        message = gettext("图片尺寸合格。")
    else:
        message = gettext("图片太小（%(width)d×%(height)d像素），请上传短边不少于%(minimum)d像素的照片。") % {
            "width": copy.width,
            "height": copy.height,
            "minimum": limits.min_short_side,
        }
    return Check("too_small", passed, message, float(short_side), float(limits.min_short_side))


def _check_sharpness(copy: _WorkingCopy, limits: QualityThresholds) -> Check:
    """Measure, per tile, the weakest of four second derivatives (across, down, both diagonals); keep a top tile.

    A photo out of focus loses its fine detail in every direction, a shaken one across the shake only: taking
    the weakest direction catches both, where the Laplacian (their sum) stays high along the shake. Keeping
    one of the sharpest tiles rather than the whole picture keeps a sharp card held up against a plain wall, or
    lying on a plain table, from being judged blurred: a blurred photo has no sharp tile at all.
    """
    grey = copy.grey.astype(np.float32)
    height, width = grey.shape
    tile_height, tile_width = height // SHARPNESS_GRID, width // SHARPNESS_GRID
    measures = []
    for kernel in SECOND_DERIVATIVES:
        response = cv2.filter2D(grey, cv2.CV_32F, kernel)
        if tile_height < 4 or tile_width < 4:
            measures.append(np.array([response.var()]))
        else:
            tiles = response[: tile_height * SHARPNESS_GRID, : tile_width * SHARPNESS_GRID].reshape(
                SHARPNESS_GRID, tile_height, SHARPNESS_GRID, tile_width
            )
            measures.append(tiles.var(axis=(1, 3)).ravel())
    sharpness = float(np.percentile(np.min(measures, axis=0), SHARPNESS_PERCENTILE))
    passed = sharpness >= limits.min_sharpness
    message = (
        gettext("图片清晰。") if passed else gettext("图片模糊，请对焦后重新拍摄，确保证件上的文字清晰可辨。")
    )
    return Check("blurred", passed, message, round(sharpness, 1), limits.min_sharpness)


def _check_glare(copy: _WorkingCopy, limits: QualityThresholds) -> Check:
    """Measure the share of burnt-out pixels in bright areas that do not touch the photo's edge.

    A scan or a photo on white paper has white margins along the edge; those are not reflections.
    """
    mask = (copy.grey >= BLOWN_OUT).astype(np.uint8)
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    height, width = mask.shape
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    right = left + stats[1:, cv2.CC_STAT_WIDTH]
    bottom = top + stats[1:, cv2.CC_STAT_HEIGHT]
    inside = (left > 0) & (top > 0) & (right < width) & (bottom < height)
    share = float(stats[1:, cv2.CC_STAT_AREA][inside].sum()) / mask.size if count > 1 else 0.0
    passed = share <= limits.max_glare_share
    message = (
        gettext("图片无明显反光。")
        if passed
        else gettext("图片有反光，请避开灯光直射，重新拍摄无反光的照片。")
    )
    return Check("glare", passed, message, round(share, 4), limits.max_glare_share)


_cascades = threading.local()


def _face_cascade() -> cv2.CascadeClassifier:
    """Return this thread's face cascade (a classifier instance is not shared between threads)."""
    cascade = getattr(_cascades, "face", None)
    if cascade is None:
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + FACE_CASCADE)
        if cascade.empty():
            raise RuntimeError(f"OpenCV's {FACE_CASCADE} is missing; opencv-python-headless 4.x ships it")
        _cascades.face = cascade
    return cascade


def _check_face(copy: _WorkingCopy, *, code: str, min_share: float, max_share: float = 1.0) -> Check:
    """Look for frontal faces at least min_share and at most max_share of the short side wide."""
    faces = _find_faces(copy.grey, min_share, max_share)
    passed = len(faces) > 0
    if code == "no_face":
        message = (
            gettext("已检测到人脸。")
            if passed
            else gettext("未检测到人脸，请上传本人手持证件、正脸清晰可见的照片。")
        )
    else:
        message = (
            gettext("已检测到证件人像。")
            if passed
            else gettext("未在证件照正面检测到人像，请确认上传的是带照片的一面，且照片清晰完整。")
        )
    return Check(code, passed, message, float(len(faces)), 1.0)


def _find_faces(
    grey: np.ndarray, min_share: float, max_share: float = 1.0
) -> list[tuple[int, int, int, int]]:
    """Return boxes (x, y, width, height, on grey) of faces min_share to max_share of the short side wide.

    The cascade's cost grows with the pixel count of the copy it searches, which must be large enough for the
    smallest accepted face to measure MIN_FACE_PIXELS. So faces of at least COARSE_FACE_SHARE (nearly every
    person on a handheld photo and every card portrait photographed as asked) are looked for first on a small
    copy, upright and then turned by ±TURN_DEGREES, which costs little there and finds heads and cards tilted
    by up to 15°; then, only when none is found, the same again with finer steps between the window's sizes
    (a face between two coarse sizes, such as a head in a cap and glasses); only then are the smaller faces
    looked for, upright and turned, on a larger copy of at most FACE_LONG_SIDE pixels (a small card turned on
    the table, with the head in its portrait tilted too). A face found on a turned copy is returned with its
    box on that copy, scaled.
    """
    height, width = grey.shape
    aspect = max(width, height) / min(width, height)
    coarse_share = max(min_share, COARSE_FACE_SHARE)
    small = _shrink(grey, round(MIN_FACE_PIXELS / coarse_share * aspect))
    minimum = max(24, round(min(small.shape) * coarse_share))
    maximum = round(min(small.shape) * max_share) if max_share < 1 else 0
    for step, neighbours in ((FACE_SCALE_STEP, MIN_NEIGHBOURS), (FINE_FACE_SCALE_STEP, FINE_MIN_NEIGHBOURS)):
        for angle in (0, TURN_DEGREES, -TURN_DEGREES):
            faces = _detect(_turned(small, angle), minimum, maximum, step=step, neighbours=neighbours)
            if len(faces):
                return _scaled(faces, width / small.shape[1])
    if min_share >= coarse_share:
        return []
    small = _shrink(grey, min(FACE_LONG_SIDE, round(MIN_FACE_PIXELS / min_share * aspect)))
    minimum = max(24, round(min(small.shape) * min_share))
    for angle in (0, TURN_DEGREES, -TURN_DEGREES):
        faces = _detect(_turned(small, angle), minimum, maximum=round(min(small.shape) * coarse_share * 1.2))
        if len(faces):
            return _scaled(faces, width / small.shape[1])
    return []


def _detect(
    grey: np.ndarray,
    minimum: int,
    maximum: int = 0,
    *,
    step: float = FACE_SCALE_STEP,
    neighbours: int = MIN_NEIGHBOURS,
) -> np.ndarray:
    # No histogram equalisation: the cascade normalises each window's contrast itself, and equalising
    # turned smooth blotches of a wall into false faces on the calibration photos.
    return _face_cascade().detectMultiScale(
        grey,
        scaleFactor=step,
        minNeighbors=neighbours,
        minSize=(minimum, minimum),
        maxSize=(maximum, maximum),
    )


def _turned(grey: np.ndarray, angle: float) -> np.ndarray:
    if not angle:
        return grey
    height, width = grey.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(grey, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def _scaled(faces: np.ndarray, factor: float) -> list[tuple[int, int, int, int]]:
    return [tuple(round(float(value) * factor) for value in face) for face in faces]


def _dhash(grey: np.ndarray) -> int:
    """Return the difference hash: whether each of 8 × 8 cells is brighter than its right neighbour."""
    small = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def _check_duplicate(own_hash: int, other_hashes: dict[str, int], limits: QualityThresholds) -> Check:
    # The photo being checked is not among the others: its caller leaves it out (identity.checks).
    others = {other: value for other, value in other_hashes.items() if value is not None}
    if not others:
        return Check(
            "duplicate", True, gettext("未与其他照片重复。"), None, float(limits.max_duplicate_distance)
        )
    nearest_slot, nearest = min(
        ((other, hash_distance(own_hash, value)) for other, value in others.items()), key=lambda item: item[1]
    )
    passed = nearest > limits.max_duplicate_distance
    if passed:
        message = gettext("未与其他照片重复。")
    else:
        message = gettext("这张照片与“%(slot)s”是同一张图片，请分别上传对应的照片。") % {"slot": nearest_slot}
    return Check("duplicate", passed, message, float(nearest), float(limits.max_duplicate_distance))
