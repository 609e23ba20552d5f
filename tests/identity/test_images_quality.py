"""Quality checks on composed ID photos.

Calibration (values printed by check_photo on these photos, 1600×1200 unless stated):
- blurred (the weakest of four directional second derivatives, second sharpest tile): sharp photos score
  1300–1460; Gaussian blur of radius 2 brings them to 19–84, radius 1 to 238–490, a 15-pixel shake to 15–27.
  On the composed evaluation set (bench/photo_eval.py) clean photos score 161 and more, blurred ones 59 at most.
  The threshold is 100.
- glare: the photos without glare have at most 0.12 % burnt-out pixels; a reflection of 0.5 % of the area passes,
  2 % fails. The threshold is 1 %.
- duplicate: different photos are 19–34 bits apart, the same photo blurred, with glare, resized or re-encoded
  0–5 bits. The threshold is 10 bits.
"""

import cv2
import numpy as np
import pytest
from PIL import Image

from ruanzhu.identity.images.quality import (
    Check,
    QualityThresholds,
    check_photo,
    hash_distance,
    photo_hash,
)
from ruanzhu.identity.images.sanitize import sanitize_upload

from . import images_fixtures as fx
from . import photo_set


@pytest.fixture(scope="module")
def photos() -> dict[str, Image.Image]:
    return {
        "front": fx.photo_of_card(fx.id_card_front(), seed=1),
        "back": fx.photo_of_card(fx.id_card_back(), seed=3),
        "handheld": fx.handheld_photo(seed=2),
        "handheld_without_person": fx.handheld_photo(with_face=False, seed=2),
    }


def checks_of(image: Image.Image, slot: str, **options) -> dict[str, Check]:
    return {check.code: check for check in check_photo(fx.jpeg_bytes(image), slot=slot, **options)}


@pytest.mark.parametrize("name,slot", [("front", "front"), ("back", "back"), ("handheld", "handheld")])
def test_good_photos_pass_every_check(photos, name, slot):
    checks = checks_of(photos[name], slot)

    assert all(check.passed for check in checks.values()), checks
    assert {"too_small", "blurred", "glare", "duplicate"} <= set(checks)


def test_every_check_carries_a_message_value_and_threshold(photos):
    for check in check_photo(fx.jpeg_bytes(photos["handheld"]), slot="handheld", other_hashes={"front": 0}):
        assert check.message
        assert check.value is not None
        assert check.threshold is not None


def test_photo_with_a_short_side_under_600_pixels_is_too_small(photos):
    checks = checks_of(photos["front"].resize((780, 585)), "front")

    assert not checks["too_small"].passed
    assert checks["too_small"].value == 585
    assert checks["too_small"].threshold == 600
    assert "600" in checks["too_small"].message
    assert checks_of(photos["front"].resize((800, 600)), "front")["too_small"].passed


def test_minimum_size_is_configurable(photos):
    strict = QualityThresholds(min_short_side=1300)

    assert not checks_of(photos["front"], "front", thresholds=strict)["too_small"].passed


@pytest.mark.parametrize("name,slot", [("front", "front"), ("back", "back"), ("handheld", "handheld")])
def test_out_of_focus_photo_is_blurred(photos, name, slot):
    sharp = checks_of(photos[name], slot)["blurred"]
    blurred = checks_of(fx.blurred(photos[name], 2), slot)["blurred"]

    assert sharp.passed
    assert not blurred.passed
    assert blurred.value < blurred.threshold < sharp.value
    assert "模糊" in blurred.message


def test_blur_measure_does_not_depend_on_the_resolution(photos):
    small = checks_of(photos["front"], "front")["blurred"].value
    large = checks_of(photos["front"].resize((4000, 3000), Image.Resampling.BICUBIC), "front")[
        "blurred"
    ].value

    assert 0.5 < large / small < 2


@pytest.mark.parametrize("name,slot", [("front", "front"), ("back", "back"), ("handheld", "handheld")])
def test_reflection_is_reported_as_glare(photos, name, slot):
    glare = checks_of(fx.with_glare(photos[name], share=0.03), slot)["glare"]

    assert not glare.passed
    assert glare.value > glare.threshold
    assert "反光" in glare.message


def test_small_highlight_is_not_glare(photos):
    assert checks_of(fx.with_glare(photos["front"], share=0.004), "front")["glare"].passed


def test_white_scanner_margin_is_not_glare(photos):
    scan = Image.new("RGB", (1600, 1200), (255, 255, 255))
    scan.paste(fx.id_card_front().resize((1000, 630)), (80, 80))

    assert checks_of(scan, "front")["glare"].passed


def test_face_is_found_on_the_handheld_photo(photos):
    face = checks_of(photos["handheld"], "handheld")["no_face"]

    assert face.passed
    assert face.value >= 1


def test_handheld_photo_without_the_person_has_no_face(photos):
    # The card's own portrait is in the picture, but far smaller than the face of a person holding it.
    face = checks_of(photos["handheld_without_person"], "handheld")["no_face"]

    assert not face.passed
    assert "人脸" in face.message


def test_plain_scene_without_any_face_has_no_face():
    scene = fx.texture((1600, 1200), seed=5, base=(150, 150, 140), contrast=40)

    assert not checks_of(scene, "handheld")["no_face"].passed


def test_face_is_found_on_a_large_handheld_photo():
    assert checks_of(fx.handheld_photo(size=(4000, 3000)), "handheld")["no_face"].passed


def test_portrait_is_found_on_the_front_and_not_looked_for_on_the_back(photos):
    front = checks_of(photos["front"], "front")
    back = checks_of(photos["back"], "back")

    assert front["no_portrait"].passed
    assert "no_portrait" not in back
    assert "no_face" not in back


def test_front_without_portrait_is_reported(photos):
    portrait = checks_of(photos["back"], "front")["no_portrait"]

    assert not portrait.passed
    assert "人像" in portrait.message


def test_same_picture_in_two_slots_is_a_duplicate(photos):
    front_hash = photo_hash(fx.jpeg_bytes(photos["front"]))

    duplicate = checks_of(photos["front"], "handheld", other_hashes={"证件照正面": front_hash})["duplicate"]

    assert not duplicate.passed
    assert duplicate.value == 0
    assert "证件照正面" in duplicate.message


def test_same_picture_resized_and_re_encoded_is_still_a_duplicate(photos):
    original = photo_hash(fx.jpeg_bytes(photos["front"]))
    smaller = fx.jpeg_bytes(photos["front"].resize((900, 675)), quality=60)
    as_png = sanitize_upload(fx.png_bytes(photos["front"].resize((1200, 900)))).content

    assert hash_distance(original, photo_hash(smaller)) <= QualityThresholds().max_duplicate_distance
    assert not checks_of(photos["front"].resize((900, 675)), "back", other_hashes={"证件照正面": original})[
        "duplicate"
    ].passed
    assert not {c.code: c for c in check_photo(as_png, slot="back", other_hashes={"证件照正面": original})}[
        "duplicate"
    ].passed


def test_different_photos_are_not_duplicates(photos):
    hashes = {name: photo_hash(fx.jpeg_bytes(photos[name])) for name in ("front", "back", "handheld")}

    for name in hashes:
        others = {slot: value for slot, value in hashes.items() if slot != name}
        duplicate = checks_of(photos[name], name, other_hashes=others)["duplicate"]
        assert duplicate.passed, name
        assert duplicate.value > duplicate.threshold


def test_photo_hash_is_64_bits_and_stable(photos):
    upload = fx.jpeg_bytes(photos["handheld"])

    value = photo_hash(upload)

    assert 0 <= value < 2**64
    assert photo_hash(upload) == value
    assert hash_distance(value, value) == 0
    assert hash_distance(value, value ^ 0b1011) == 3


def test_undecodable_bytes_raise():
    with pytest.raises((ValueError, OSError)):
        check_photo(b"not an image", slot="front")


# Photos of the labelled evaluation set (bench/photo_eval.py), a few of each kind at 1600×1200 to stay fast.


@pytest.fixture(scope="module")
def varied_photos() -> dict[str, list[Image.Image]]:
    rng = np.random.default_rng(7)
    frame = (1600, 1200)
    return {
        "front": [photo_set.card_photo(photo_set.front_card(rng), rng, frame) for _ in range(4)],
        "handheld": [photo_set.handheld(rng, frame) for _ in range(3)],
        "back": [photo_set.card_photo(fx.id_card_back(), rng, frame) for _ in range(2)],
    }


def failed_codes(image: Image.Image, slot: str, quality: int = 75) -> set[str]:
    return {
        check.code
        for check in check_photo(fx.jpeg_bytes(image, quality=quality), slot=slot)
        if not check.passed
    }


@pytest.mark.parametrize("slot", ["front", "handheld", "back"])
def test_varied_clean_photos_are_not_flagged(varied_photos, slot):
    # Cards turned by up to 15°, 20 %–80 % of the frame, warm or cold light, portraits varied in framing,
    # colour and print; the person's head tilted by up to 15°.
    for index, image in enumerate(varied_photos[slot]):
        assert failed_codes(image, slot) == set(), f"{slot} {index}"


def test_varied_negatives_are_flagged(varied_photos):
    rng = np.random.default_rng(8)
    front, handheld = varied_photos["front"][0], varied_photos["handheld"][0]
    frame = (1600, 1200)

    assert "blurred" in failed_codes(photo_set.out_of_focus(front, rng), "front")
    assert "glare" in failed_codes(fx.with_glare(front, share=0.03), "front")
    assert "too_small" in failed_codes(front.resize((720, 540)), "front")
    assert "no_face" in failed_codes(photo_set.handheld(rng, frame, with_face=False), "handheld")
    empty = photo_set.card_photo(photo_set.front_card(rng, with_portrait=False), rng, frame)
    assert "no_portrait" in failed_codes(empty, "front")
    assert "no_face" not in failed_codes(handheld, "handheld")


def test_shaken_photo_is_blurred(photos):
    # A shake smears detail across its direction only: the Laplacian, a sum over directions, stays high along it.
    kernel = np.zeros((15, 15), np.float32)
    kernel[7, :] = 1 / 15  # 15 px of horizontal shake on the 1600-pixel photo
    for name, slot in (("front", "front"), ("back", "back")):
        shaken = Image.fromarray(cv2.filter2D(np.asarray(photos[name]), -1, kernel))
        checks = checks_of(shaken, slot)

        assert not checks["blurred"].passed, name
        assert checks_of(photos[name], slot)["blurred"].passed


@pytest.mark.parametrize("angle", [-15, 15])
def test_portrait_turned_by_15_degrees_is_found(angle):
    card = fx.id_card_front().rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(120, 95, 70)
    )
    photo = fx.texture((1600, 1200), seed=4, base=(120, 95, 70), contrast=30)
    scaled = card.resize((1200, round(1200 * card.height / card.width)), Image.Resampling.LANCZOS)
    photo.paste(scaled, (200, (1200 - scaled.height) // 2))

    assert checks_of(photo, "front")["no_portrait"].passed


@pytest.mark.parametrize("angle", [-20, -15, 15, 20])
def test_head_tilted_by_15_degrees_and_more_is_found(angle):
    # The frontal cascade alone finds faces tilted by about 10°: the turned copies find these.
    photo = fx.texture((1600, 1200), seed=2, base=(170, 175, 165), contrast=30)
    person = fx.astronaut().resize((960, 960), Image.Resampling.LANCZOS)
    person = person.convert("RGBA").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    photo.paste(person, ((1600 - person.width) // 2, 1200 - person.height + 120), person)

    assert checks_of(photo, "handheld")["no_face"].passed


def test_a_face_larger_than_any_card_portrait_is_not_the_front_portrait():
    # A head filling the photo: the face is about half its short side, more than the portrait of a card that
    # fills the photo (under 0.3). It is the face of a handheld photo, not the portrait of a front.
    photo = fx.texture((1600, 1200), seed=2, base=(170, 175, 165), contrast=30)
    head = fx.astronaut().crop((154, 38, 294, 208)).resize((988, 1200), Image.Resampling.LANCZOS)
    photo.paste(head, (306, 0))

    assert checks_of(photo, "handheld")["no_face"].passed
    assert not checks_of(photo, "front")["no_portrait"].passed


def test_finer_steps_are_tried_only_when_the_coarse_search_finds_nothing(monkeypatch, photos):
    from ruanzhu.identity.images import quality

    calls = []
    detect = quality._detect

    def recording(grey, minimum, maximum=0, **options):
        calls.append((options.get("step", quality.FACE_SCALE_STEP), options.get("neighbours", 5)))
        return detect(grey, minimum, maximum, **options)

    monkeypatch.setattr(quality, "_detect", recording)
    assert checks_of(photos["handheld"], "handheld")["no_face"].passed
    assert calls == [(quality.FACE_SCALE_STEP, quality.MIN_NEIGHBOURS)]

    calls.clear()
    scene = fx.texture((1600, 1200), seed=5, base=(150, 150, 140), contrast=40)
    assert not checks_of(scene, "handheld")["no_face"].passed
    assert (
        calls
        == [(quality.FACE_SCALE_STEP, quality.MIN_NEIGHBOURS)] * 3
        + [(quality.FINE_FACE_SCALE_STEP, quality.FINE_MIN_NEIGHBOURS)] * 3
    )
