"""A labelled set of ID-like photos, composed deterministically from a seed, to measure the quality checks.

The faces are real portraits in the public domain (Person). The installed packages ship one: scikit-image's
astronaut (Eileen Collins, NASA), which the tests use. bench/photo_eval.py adds others it takes from PyPI
packages (bench/public_faces.py) and takes the people in turn. Every face is varied: mirrored, cropped and scaled
differently, with a plain ID-photo background or the original one, in colour or grey, washed out like a print,
under the card's security lines, tilted by up to 15°. The cards fill 20 %–80 % of the frame's area (less where
a card so large and turned would not fit: a clean photo shows the whole card), photographed
under warm or cold light and saved as JPEG of quality 60–95; handheld photos show the person with the card
beside the face. Negatives: out of focus (Gaussian or motion blur), a reflection, too few pixels, no face.

Each Sample says which checks must fail on it (flags); every other check must pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from . import images_fixtures as fx

# Where OpenCV's frontal cascade finds the astronaut's face in the 512 × 512 original (x, y, width, height).
ASTRONAUT_FACE = (177, 66, 95, 95)
FRAMES = [(4000, 3000), (3000, 4000), (4032, 3024), (3264, 2448), (1600, 1200)]
PLAIN_BACKGROUNDS = [(250, 250, 250), (235, 240, 245), (67, 142, 219), (200, 40, 40)]
FACE_CHECK = {"front": "no_portrait", "handheld": "no_face"}


@dataclass(frozen=True)
class Person:
    """A portrait and where its face is: (x, y, width, height) of a square box around the face."""

    name: str
    picture: Callable[[], Image.Image]
    face: tuple[int, int, int, int]


ASTRONAUT = Person("astronaut", fx.astronaut, ASTRONAUT_FACE)


@dataclass
class Sample:
    name: str
    slot: str
    kind: str  # clean, blurred, glare, too_small, no_face
    image: Image.Image
    quality: int
    flags: set[str] = field(default_factory=set)
    person: str = ""


def backdrop(size: tuple[int, int], rng: np.random.Generator, *, low: int, high: int) -> Image.Image:
    """Return a table or wall: smooth shading plus film grain (a tiled patch of noise, fast at 12 megapixels)."""
    width, height = size
    base = rng.integers(low, high, 3).astype(np.int16)
    contrast = rng.uniform(15, 50)
    coarse = (base[None, None, :] + rng.normal(0, contrast / 2, (6, 8, 1))).clip(0, 255).astype(np.uint8)
    shade = np.asarray(Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
    patch = rng.normal(0, 3, (509, 499)).astype(np.int16)
    grain = np.tile(patch, (height // 509 + 1, width // 499 + 1))[:height, :width]
    return Image.fromarray((shade + grain[:, :, None]).clip(0, 255).astype(np.uint8), "RGB")


def face_variant(rng: np.random.Generator, person: Person = ASTRONAUT) -> Image.Image:
    """Return an ID-portrait crop (26:32) of the person, varied in framing, colour and print quality."""
    source = person.picture()
    x, y, width, _height = person.face
    centre_x = x + width / 2 + rng.uniform(-0.06, 0.06) * width
    centre_y = y + width / 2 + rng.uniform(-0.05, 0.05) * width
    if rng.random() < 0.5:  # a plain background as on an ID photo, kept around the head and the shoulders
        mask = Image.new("L", source.size, 0)
        draw = ImageDraw.Draw(mask)
        draw.ellipse((x - 0.25 * width, y - 0.45 * width, x + 1.25 * width, y + 1.3 * width), fill=255)
        draw.rectangle((x - 0.9 * width, y + 1.25 * width, x + 1.9 * width, source.height), fill=255)
        plain = Image.new("RGB", source.size, PLAIN_BACKGROUNDS[rng.integers(len(PLAIN_BACKGROUNDS))])
        source = Image.composite(source, plain, mask.filter(ImageFilter.GaussianBlur(6)))
    crop_width = width / rng.uniform(0.5, 0.68)
    # Within the picture: a portrait has no empty margin (the astronaut's is always wide enough).
    crop_width = min(crop_width, source.width, source.height * 26 / 32)
    crop_height = crop_width * 32 / 26
    top = centre_y - crop_height * rng.uniform(0.36, 0.45)
    left = centre_x - crop_width / 2
    top = min(max(top, 0), source.height - crop_height)
    left = min(max(left, 0), source.width - crop_width)
    face = source.crop((round(left), round(top), round(left + crop_width), round(top + crop_height)))
    if rng.random() < 0.5:
        face = ImageOps.mirror(face)
    if rng.random() < 0.2:
        face = ImageOps.grayscale(face).convert("RGB")
    else:
        face = ImageEnhance.Color(face).enhance(rng.uniform(0.5, 1.3))
    face = ImageEnhance.Contrast(face).enhance(rng.uniform(0.6, 1.1))
    face = ImageEnhance.Brightness(face).enhance(rng.uniform(0.9, 1.2))
    return face


def front_card(
    rng: np.random.Generator, *, with_portrait: bool = True, person: Person = ASTRONAUT
) -> Image.Image:
    """Return a front side with a varied portrait (or, for a negative, an empty portrait box)."""
    if with_portrait:
        card = fx.id_card_front(face_variant(rng, person), seed=int(rng.integers(1000)))
    else:
        card = fx.id_card_front(Image.new("RGB", (250, 316), (228, 232, 238)), seed=int(rng.integers(1000)))
    if rng.random() < 0.5:  # the card's fine security lines run over the portrait too
        lines = Image.new("RGBA", card.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(lines)
        for offset in range(0, card.width + card.height, 14):
            draw.line([(offset, 0), (offset - card.height, card.height)], fill=(170, 190, 215, 60), width=1)
        card = Image.alpha_composite(card.convert("RGBA"), lines).convert("RGB")
    return card


def lit(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return the photo under warm (tungsten) or cold (daylight, shade) light, a little brighter or darker."""
    strength = rng.uniform(0.03, 0.15)
    warm = rng.random() < 0.5
    factors = (1 + strength, 1.0, 1 - 1.5 * strength) if warm else (1 - strength, 1.0, 1 + strength)
    # Exposed as a camera does: the card's white stays below clipping (a burnt-out card is a glare photo).
    brightness = rng.uniform(0.8, 1.0)
    lut = []
    for factor in factors:
        lut += [min(255, round(value * factor * brightness)) for value in range(256)]
    return image.point(lut)


def _turned(image: Image.Image, angle: float) -> Image.Image:
    return image.convert("RGBA").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)


def card_photo(card: Image.Image, rng: np.random.Generator, frame: tuple[int, int]) -> Image.Image:
    """Return a photo of the card on a table: 20 %–80 % of the frame's area, turned by up to 15°."""
    width, height = frame
    photo = backdrop(frame, rng, low=60, high=200)
    angle = rng.uniform(-15, 15)
    share = rng.uniform(0.2, 0.8)
    card_width = math.sqrt(share * width * height * card.width / card.height)
    # The whole card stays in the picture: a clean photo has no cut edge.
    radians = math.radians(abs(angle))
    aspect = card.height / card.width
    fit = min(
        0.96 * width / (math.cos(radians) + aspect * math.sin(radians)),
        0.96 * height / (math.sin(radians) + aspect * math.cos(radians)),
    )
    card_width = min(card_width, fit)
    scaled = card.resize((round(card_width), round(card_width * aspect)), Image.Resampling.LANCZOS)
    turned = _turned(scaled, angle)
    left = int(rng.integers(0, width - turned.width + 1))
    top = int(rng.integers(0, height - turned.height + 1))
    photo.paste(turned, (left, top), turned)
    return lit(photo, rng)


def handheld(
    rng: np.random.Generator,
    frame: tuple[int, int],
    *,
    with_face: bool = True,
    person: Person = ASTRONAUT,
) -> Image.Image:
    """Return the person holding the card beside the face; the face is 12 %–28 % of the short side."""
    width, height = frame
    photo = backdrop(frame, rng, low=120, high=220)
    face_share = rng.uniform(0.12, 0.28)
    face_pixels = face_share * min(width, height)
    box = person.face
    picture = person.picture()
    face_centre_x = box[0] + box[2] / 2
    if rng.random() < 0.5:
        picture = ImageOps.mirror(picture)
        face_centre_x = picture.width - face_centre_x
    picture = ImageEnhance.Color(picture).enhance(rng.uniform(0.6, 1.2))
    scale = face_pixels / box[2]
    picture = picture.resize(
        (round(picture.width * scale), round(picture.height * scale)), Image.Resampling.LANCZOS
    )
    angle = rng.uniform(-15, 15)
    face_x = rng.uniform(0.3, 0.45) * width
    face_y = rng.uniform(0.2, 0.4) * height
    if with_face:
        turned = _turned(picture, angle)
        # The face's centre in the turned picture: the turn is about the picture's centre.
        cx = face_centre_x * scale - picture.width / 2
        cy = (box[1] + box[3] / 2) * scale - picture.height / 2
        radians = math.radians(angle)
        rx = cx * math.cos(radians) + cy * math.sin(radians)
        ry = -cx * math.sin(radians) + cy * math.cos(radians)
        photo.paste(
            turned, (round(face_x - rx - turned.width / 2), round(face_y - ry - turned.height / 2)), turned
        )
    # The card is held beside the face, on the side with more room, without covering it.
    card = front_card(rng, person=person)
    room_left = face_x - 0.75 * face_pixels
    room_right = width - face_x - 0.75 * face_pixels
    side = 1 if room_right >= room_left else -1
    # Turned by up to 15°, the card takes up to 1.13 times its width: it must fit the room as turned.
    card_width = min(face_pixels * rng.uniform(1.4, 2.2), 0.95 * max(room_left, room_right) / 1.15)
    scaled = card.resize(
        (round(card_width), round(card_width * card.height / card.width)), Image.Resampling.LANCZOS
    )
    card_turned = _turned(scaled, rng.uniform(-15, 15))
    if side > 0:
        left = round(face_x + 0.75 * face_pixels)
    else:
        left = round(face_x - 0.75 * face_pixels - card_turned.width)
    top = round(face_y + rng.uniform(-0.3, 0.8) * face_pixels - card_turned.height / 2)
    left = min(max(left, 0), width - card_turned.width)
    top = min(max(top, 0), height - card_turned.height)
    photo.paste(card_turned, (left, top), card_turned)
    return lit(photo, rng)


def out_of_focus(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return the photo out of focus or shaken, by an amount measured on a 1000-pixel copy."""
    per_pixel = max(image.size) / 1000
    if rng.random() < 0.6:
        return image.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.5) * per_pixel))
    length = max(3, round(rng.uniform(6, 14) * per_pixel))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1 / length
    matrix = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
    kernel = cv2.warpAffine(kernel, matrix, (length, length))
    kernel /= kernel.sum()
    return Image.fromarray(cv2.filter2D(np.asarray(image), -1, kernel))


def samples(
    seed: int = 2026, scale: float = 1.0, people: Sequence[Person] = (ASTRONAUT,)
) -> Iterator[Sample]:
    """Yield the labelled photos; scale multiplies every count (1.0: 100 clean photos, 80 negatives).

    The people take turns, photo by photo, so that each is in every kind about as often.
    """
    rng = np.random.default_rng(seed)
    counts = {
        "front": round(50 * scale),
        "handheld": round(35 * scale),
        "back": round(15 * scale),
        "blurred": round(20 * scale),
        "glare": round(20 * scale),
        "too_small": round(20 * scale),
        "no_face": round(20 * scale),
    }
    turn = iter(range(10**9))

    def frame() -> tuple[int, int]:
        return FRAMES[0 if rng.random() < 0.4 else rng.integers(len(FRAMES))]

    def clean(slot: str, person: Person) -> Image.Image:
        if slot == "front":
            return card_photo(front_card(rng, person=person), rng, frame())
        if slot == "back":
            return card_photo(fx.id_card_back(), rng, frame())
        return handheld(rng, frame(), person=person)

    def quality() -> int:
        return int(rng.integers(60, 96))

    def sample(name: str, slot: str, kind: str, make, flags: Collection[str] = ()) -> Sample:
        person = people[next(turn) % len(people)]
        image = make(person)
        return Sample(name, slot, kind, image, quality(), set(flags), person.name if slot != "back" else "")

    for slot in ("front", "handheld", "back"):
        for index in range(counts[slot]):
            yield sample(f"{slot}-{index:03d}", slot, "clean", lambda person, slot=slot: clean(slot, person))
    slots = ("front", "handheld", "back")
    for index in range(counts["blurred"]):
        slot = slots[index % 3]
        yield sample(
            f"blurred-{slot}-{index:03d}",
            slot,
            "blurred",
            lambda person, slot=slot: out_of_focus(clean(slot, person), rng),
            {"blurred"},
        )
    for index in range(counts["glare"]):
        slot = slots[index % 3]
        yield sample(
            f"glare-{slot}-{index:03d}",
            slot,
            "glare",
            lambda person, slot=slot: fx.with_glare(clean(slot, person), share=rng.uniform(0.02, 0.06)),
            {"glare"},
        )

    def too_small(person: Person, slot: str) -> Image.Image:
        image = clean(slot, person)
        factor = int(rng.integers(320, 590)) / min(image.size)
        return image.resize(
            (round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS
        )

    for index in range(counts["too_small"]):
        slot = slots[index % 3]
        yield sample(
            f"too_small-{slot}-{index:03d}",
            slot,
            "too_small",
            lambda person, slot=slot: too_small(person, slot),
            {"too_small"},
        )
    for index in range(counts["no_face"]):
        if index % 3 == 0:  # the back photographed for the front
            slot, make = "front", lambda person: card_photo(fx.id_card_back(), rng, frame())
        elif index % 3 == 1:  # a front whose portrait is missing
            slot, make = (
                "front",
                lambda person: card_photo(front_card(rng, with_portrait=False), rng, frame()),
            )
        else:  # the card held up without the person
            slot, make = "handheld", lambda person: handheld(rng, frame(), with_face=False, person=person)
        yield sample(f"no_face-{slot}-{index:03d}", slot, "no_face", make, {FACE_CHECK[slot]})
