"""Phone numbers: one normal form (E.164) for storage, look-up and uniqueness, shared by accounts and codes."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.crypto import blind_index

CHINA_MOBILE = re.compile(r"^1[3-9]\d{9}$")
PHONE_INDEX_PURPOSE = "account-phone"


def normalize_phone(raw: str) -> str:
    """Return ``raw`` as E.164 (+8613812345678); raise ValidationError for anything but a valid mobile."""
    text = re.sub(r"[\s\-()]", "", raw or "")
    if not text:
        raise ValidationError(_("请输入手机号。"), code="required")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("手机号格式不正确。"), code="invalid") from None
    if number.country_code == 86:
        national = str(number.national_number)
        if not CHINA_MOBILE.match(national):
            raise ValidationError(_("手机号格式不正确，请输入11位中国大陆手机号。"), code="invalid")
    elif not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("手机号格式不正确。"), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_index(e164: str) -> str:
    """Return the blind index of a normalised phone number."""
    return blind_index(e164, purpose=PHONE_INDEX_PURPOSE)
