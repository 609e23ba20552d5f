"""One document gives one number, and so one identity, however its number is typed."""

import pytest
from django.core.exceptions import ValidationError

from ruanzhu.identity.models import IdType
from ruanzhu.identity.services import person_identity_index
from ruanzhu.identity.validators import validate_id_number

RESIDENT = "110105199003070017"
FULL_WIDTH = "".join(chr(ord(character) + 0xFEE0) for character in RESIDENT)


@pytest.mark.parametrize(
    ("id_type", "typed", "number"),
    [
        (IdType.RESIDENT_ID, FULL_WIDTH, RESIDENT),
        (IdType.RESIDENT_ID, "110105 1990 0307 0017", RESIDENT),
        (IdType.HK_MACAO_PERMIT, "Ｈ１２３４５６７８", "H12345678"),
        (IdType.TAIWAN_PERMIT, "１２３４５６７８", "12345678"),
        (IdType.PASSPORT, "ｅ１２３４５６７８", "E12345678"),
    ],
)
def test_a_number_typed_in_full_width_is_the_same_number(db, id_type, typed, number):
    assert validate_id_number(id_type, typed)[0] == number
    assert person_identity_index(id_type, validate_id_number(id_type, typed)[0]) == person_identity_index(
        id_type, number
    )


@pytest.mark.parametrize(
    ("id_type", "typed"),
    [
        (IdType.TAIWAN_PERMIT, "١٢٣٤٥٦٧٨"),  # Arabic-Indic digits are digits to \d, not to the document
        (IdType.HK_MACAO_PERMIT, "H١٢٣٤٥٦٧٨"),
        (IdType.RESIDENT_ID, "11010519900307001٧"),
    ],
)
def test_digits_of_another_script_are_refused(db, id_type, typed):
    with pytest.raises(ValidationError):
        validate_id_number(id_type, typed)
