"""Measure the ID photo checks on a labelled set of composed photos: a confusion table per check and the time.

The set (tests/identity/photo_set.py) is composed deterministically from --seed and written as JPEG files to a
temporary folder (kept between runs under --cache, so that comparing detectors does not compose it again).
For each check: TP (a bad photo flagged), FP (a good photo flagged), FN, TN; then the share of clean photos
with any flag, the share of faces and portraits found, and the time of check_photo per 12-megapixel photo,
JPEG decode included (p50/p95).

The faces (--people): "others" (the default) are four people the checks were not tuned on, real public-domain
portraits that bench/public_faces.py takes from PyPI packages (Grace Hopper, Barack Obama twice, Joe Biden);
"astronaut" is the one face the installed packages ship, on which they were tuned; "all" is both.

Run: .venv/bin/python bench/photo_eval.py [--people others|astronaut|all] [--detector NAME|all] [--scale 1.0]
     [--seed 2026]
Detectors: shipped (what quality.py does now), haar-coarse-only (the search before the independent faces: no
finer second pass, no size cap on the front), haar-baseline (the Haar setup before that), haar-tuned,
dlib-hog (dlib's HOG detector; needs dlib, e.g. dlib-bin).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
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

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import public_faces  # noqa: E402
from PIL import Image  # noqa: E402

from ruanzhu.identity.images import quality  # noqa: E402
from tests.identity import images_fixtures as fx  # noqa: E402
from tests.identity import photo_set  # noqa: E402

CHECKS = ("too_small", "blurred", "glare", "face")
TWELVE_MP = 11_500_000


def build_set(folder: Path, seed: int, scale: float, people: list[photo_set.Person]) -> list[dict]:
    """Compose the set into folder once; return its index (name, slot, kind, flags, person, file, pixels)."""
    index_path = folder / "index.json"
    if index_path.exists():
        return json.loads(index_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    started = time.perf_counter()
    for sample in photo_set.samples(seed=seed, scale=scale, people=people):
        path = folder / f"{sample.name}.jpg"
        path.write_bytes(fx.jpeg_bytes(sample.image, quality=sample.quality))
        index.append(
            {
                "name": sample.name,
                "slot": sample.slot,
                "kind": sample.kind,
                "flags": sorted(sample.flags),
                "person": sample.person,
                "file": path.name,
                "pixels": sample.image.width * sample.image.height,
            }
        )
    index_path.write_text(json.dumps(index))
    print(f"composed {len(index)} photos in {time.perf_counter() - started:.0f} s into {folder}")
    return index


# The candidates. Each returns the faces at least min_share of the short side wide on the working copy.


def haar_baseline(grey: np.ndarray, min_share: float, max_share: float = 1.0) -> list:
    """The Haar setup before the evaluation: one cascade, upright only, a copy of at most 640 pixels."""
    height, width = grey.shape
    long_side = min(640, round(36 / min_share * max(width, height) / min(width, height)))
    small = quality._shrink(grey, long_side)
    minimum = max(24, round(min(small.shape) * min_share))
    return list(quality._face_cascade().detectMultiScale(small, 1.1, 5, minSize=(minimum, minimum)))


_extra = {}


def _cascade(path: str) -> cv2.CascadeClassifier:
    if path not in _extra:
        _extra[path] = cv2.CascadeClassifier(path)
        assert not _extra[path].empty(), path
    return _extra[path]


def _turned_tries(small: np.ndarray, angles, detect) -> list:
    found = []
    height, width = small.shape
    for angle in angles:
        if angle:
            matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
            image = cv2.warpAffine(small, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
        else:
            image = small
        found = list(detect(image))
        if found:
            return found
    return found


def haar_tuned(grey: np.ndarray, min_share: float, max_share: float = 1.0) -> list:
    """Haar, default then alt2 cascade, contrast-limited equalisation, upright then turned by ±12°."""
    height, width = grey.shape
    long_side = min(800, round(30 / min_share * max(width, height) / min(width, height)))
    small = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(quality._shrink(grey, long_side))
    minimum = max(24, round(min(small.shape) * min_share))
    cascades = [
        _cascade(cv2.data.haarcascades + "haarcascade_frontalface_default.xml"),
        _cascade(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml"),
    ]

    def detect(image):
        for cascade in cascades:
            faces = cascade.detectMultiScale(image, 1.1, 4, minSize=(minimum, minimum))
            if len(faces):
                return faces
        return []

    return _turned_tries(small, (0, 12, -12), detect)


def dlib_hog(grey: np.ndarray, min_share: float, max_share: float = 1.0) -> list:
    """dlib's HOG frontal detector (its five filters include faces turned in the picture's plane)."""
    import dlib

    detector = _extra.setdefault("dlib", dlib.get_frontal_face_detector())
    height, width = grey.shape
    # Its window is 80 pixels: the copy is made so that the smallest accepted face measures that much.
    long_side = min(1000, round(80 / min_share * max(width, height) / min(width, height)))
    small = quality._shrink(grey, long_side)
    minimum = min(small.shape) * min_share
    return [box for box in detector(small, 0) if box.width() >= 0.8 * minimum]


def haar_coarse_only(grey: np.ndarray, min_share: float, max_share: float = 1.0) -> list:
    """The search before the independent faces: one step of 1.2 between window sizes, no size cap."""
    height, width = grey.shape
    aspect = max(width, height) / min(width, height)
    coarse_share = max(min_share, quality.COARSE_FACE_SHARE)
    small = quality._shrink(grey, round(quality.MIN_FACE_PIXELS / coarse_share * aspect))
    minimum = max(24, round(min(small.shape) * coarse_share))
    for angle in (0, quality.TURN_DEGREES, -quality.TURN_DEGREES):
        faces = quality._detect(quality._turned(small, angle), minimum)
        if len(faces):
            return list(faces)
    if min_share >= coarse_share:
        return []
    small = quality._shrink(
        grey, min(quality.FACE_LONG_SIDE, round(quality.MIN_FACE_PIXELS / min_share * aspect))
    )
    minimum = max(24, round(min(small.shape) * min_share))
    return list(quality._detect(small, minimum, maximum=round(min(small.shape) * coarse_share * 1.2)))


DETECTORS = {
    "shipped": None,
    "haar-coarse-only": haar_coarse_only,
    "haar-baseline": haar_baseline,
    "haar-tuned": haar_tuned,
    "dlib-hog": dlib_hog,
}


def evaluate(index: list[dict], folder: Path, detector: str) -> None:
    original = quality._find_faces
    if DETECTORS[detector] is not None:
        quality._find_faces = DETECTORS[detector]
    try:
        run(index, folder, detector)
    finally:
        quality._find_faces = original


def run(index: list[dict], folder: Path, detector: str) -> None:
    table = {check: {"TP": 0, "FP": 0, "FN": 0, "TN": 0} for check in CHECKS}
    clean = clean_flagged = faces = faces_found = 0
    per_person: dict[str, list[int]] = {}  # person: [clean photos, flagged, faces looked for, found]
    times, cpu_times, reference, misses = [], [], [], []
    quality.check_photo((folder / index[0]["file"]).read_bytes(), slot="handheld")  # loads the detector
    for item in index:
        data = (folder / item["file"]).read_bytes()
        started, cpu_started = time.perf_counter(), time.process_time()
        checks = quality.check_photo(data, slot=item["slot"])
        elapsed = (time.perf_counter() - started) * 1000
        if item["pixels"] >= TWELVE_MP and item["kind"] == "clean":
            times.append(elapsed)
            cpu_times.append((time.process_time() - cpu_started) * 1000)
            started = time.perf_counter()
            Image.open(io.BytesIO(data)).load()  # the reference: one full decode of the same photo
            reference.append((time.perf_counter() - started) * 1000)
        failed = {"face" if c.code in ("no_face", "no_portrait") else c.code for c in checks if not c.passed}
        expected = {"face" if flag in ("no_face", "no_portrait") else flag for flag in item["flags"]}
        for check in CHECKS:
            if check == "face" and (item["slot"] == "back" or item["kind"] not in ("clean", "no_face")):
                continue  # a face is only looked for on fronts and handheld photos, judged where it is sure
            cell = ("T" if (check in failed) == (check in expected) else "F") + (
                "P" if check in failed else "N"
            )
            table[check][cell] += 1
        if item["kind"] == "clean":
            clean += 1
            clean_flagged += bool(failed - {"duplicate"})
            counts = per_person.setdefault(item.get("person") or "(back)", [0, 0, 0, 0])
            counts[0] += 1
            counts[1] += bool(failed - {"duplicate"})
            if item["slot"] != "back":
                faces += 1
                faces_found += "face" not in failed
                counts[2] += 1
                counts[3] += "face" not in failed
        if item["kind"] not in ("clean", "no_face"):
            failed.discard("face")  # a blur or a reflection may hide the face: not judged there
        if failed != expected:
            misses.append(
                f"{item['name']}: flagged {sorted(failed) or '-'}, expected {sorted(expected) or '-'}"
            )

    print(f"\n== detector: {detector}")
    print(f"{'check':10s} {'TP':>4s} {'FP':>4s} {'FN':>4s} {'TN':>4s} {'caught':>8s} {'false flags':>12s}")
    for check, cells in table.items():
        bad, good = cells["TP"] + cells["FN"], cells["FP"] + cells["TN"]
        caught = f"{100 * cells['TP'] / bad:.1f} %" if bad else "-"
        false = f"{100 * cells['FP'] / good:.1f} %" if good else "-"
        print(
            f"{check:10s} {cells['TP']:4d} {cells['FP']:4d} {cells['FN']:4d} {cells['TN']:4d} {caught:>8s} {false:>12s}"
        )
    print(
        f"clean photos flagged: {clean_flagged}/{clean} = {100 * clean_flagged / clean:.1f} % (target ≤2 %); "
        f"faces and portraits found: {faces_found}/{faces} = {100 * faces_found / faces:.1f} % (target ≥99 %)"
    )
    for person, (photos, flagged, looked, found) in sorted(per_person.items()):
        print(
            f"  {person:14s} clean photos flagged {flagged}/{photos}"
            + (f", faces and portraits found {found}/{looked}" if looked else "")
        )
    if times:
        print(
            f"check_photo per 12-MP photo, JPEG decode included: p50 {statistics.median(times):.1f} ms, "
            f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms over {len(times)} photos (target ≤100 ms); "
            f"CPU time p50 {statistics.median(cpu_times):.1f} ms, p95 {percentile(cpu_times, 95):.1f} ms"
        )
        print(
            f"reference, a full Pillow decode of the same photos: p50 {statistics.median(reference):.1f} ms; "
            f"check_photo p50 = {statistics.median(times) / statistics.median(reference):.2f}× that; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    for line in misses:
        print("  wrong:", line)


def percentile(samples: list[float], share: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", default="shipped", choices=[*DETECTORS, "all"])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the number of photos")
    parser.add_argument("--people", default="others", choices=["others", "astronaut", "all"])
    parser.add_argument("--cache", default="/tmp/ruanzhu-photo-eval", help="folder for the composed photos")
    options = parser.parse_args()
    cache = Path(options.cache)
    people = {
        "others": lambda: public_faces.fetch(cache),
        "astronaut": lambda: [photo_set.ASTRONAUT],
        "all": lambda: public_faces.everyone(cache),
    }[options.people]()
    source = hashlib.sha256(
        Path(photo_set.__file__).read_bytes() + Path(public_faces.__file__).read_bytes()
    ).hexdigest()[:12]
    folder = cache / f"seed{options.seed}-x{options.scale:g}-{options.people}-{source}"
    index = build_set(folder, options.seed, options.scale, people)
    print(f"{len(index)} photos from seed {options.seed} of {', '.join(p.name for p in people)} in {folder}")
    for name in DETECTORS if options.detector == "all" else [options.detector]:
        try:
            evaluate(index, folder, name)
        except ImportError as error:
            print(f"\n== detector: {name}: not installed ({error})")


if __name__ == "__main__":
    main()
