"""Quality checks on composed ID photos.

Calibration (values printed by check_photo on these photos, 1600×1200 unless stated):
- blurred: sharp photos score 235 (a card on a plain wall) to 4500 (a card alone); Gaussian blur of radius 2
  brings them to 11–121, radius 1 to 52–760. The threshold, 150, sits between the sharp and the radius-2 sets.
- glare: the photos without glare have at most 0.12 % burnt-out pixels; a reflection of 0.5 % of the area passes,
  2 % fails. The threshold is 1 %.
- duplicate: different photos are 19–34 bits apart, the same photo blurred, with glare, resized or re-encoded
  0–5 bits. The threshold is 10 bits.
"""

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
