from ruanzhu.core.masking import mask_email, mask_id_number, mask_phone


def test_e164_phone_is_masked_to_national_form():
    assert mask_phone("+8613812345678") == "138****5678"


def test_national_phone_is_masked():
    assert mask_phone("13812345678") == "138****5678"


def test_short_phone_is_fully_masked():
    assert mask_phone("12345") == "*****"


def test_empty_phone_masks_to_empty():
    assert mask_phone("") == ""


def test_id_number_keeps_three_leading_and_four_trailing_characters():
    assert mask_id_number("110101199003071234") == "110***********1234"


def test_id_number_with_x_check_digit_is_masked():
    assert mask_id_number("11010119900307123X") == "110***********123X"


def test_short_id_number_is_fully_masked():
    assert mask_id_number("1234567") == "*******"


def test_empty_id_number_masks_to_empty():
    assert mask_id_number("") == ""


def test_email_keeps_first_and_last_letter_of_local_part():
    assert mask_email("alice@example.com") == "a***e@example.com"


def test_short_email_local_part_keeps_first_letter():
    assert mask_email("al@example.com") == "a***@example.com"


def test_text_without_at_sign_is_fully_masked():
    assert mask_email("alice") == "***"
