"""Checks of identity documents' numbers: GB 11643 for 居民身份证, GB 32100 for the credit code."""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric, uscc

from ruanzhu.core.crypto import blind_index
from ruanzhu.identity.models import IdType

# A 居民身份证 number in ASCII: str.isdigit() would also take "²", which the checksum's int() refuses.
RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")

# Plausible formats for the documents without a public checksum.
OTHER_FORMATS = {
    IdType.HK_MACAO_PERMIT: (
        re.compile(r"^[HM][0-9]{8}([0-9]{2})?$"),
        gettext_lazy("港澳居民来往内地通行证号码为H或M开头加8位或10位数字。"),
    ),
    IdType.TAIWAN_PERMIT: (
        re.compile(r"^([0-9]{8}|[0-9]{10})$"),
        gettext_lazy("台湾居民来往大陆通行证号码为8位或10位数字。"),
    ),
    IdType.PASSPORT: (re.compile(r"^[A-Z0-9]{5,17}$"), gettext_lazy("护照号码为5–17位字母或数字。")),
    IdType.OTHER: (re.compile(r"^[A-Z0-9\-]{4,30}$"), gettext_lazy("证件号码为4–30位字母、数字或连字符。")),
}


def normalize_id_number(raw: str) -> str:
    """Return an ID number without spaces, upper-cased, full-width characters folded to ASCII (NFKC).

    One document must give one number, and so one blind index, however it was typed: "１１０１…" is "1101…".
    Digits of other scripts ("٣") are not folded; the ASCII-only formats refuse them.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).upper()


def validate_id_number(id_type: str, raw: str) -> tuple[str, date | None]:
    """Return the normalised number and, for a 居民身份证, the birth date it encodes; raise ValidationError."""
    number = normalize_id_number(raw)
    if not number:
        raise ValidationError(_("请输入证件号码。"), code="required")
    if id_type == IdType.RESIDENT_ID:
        if len(number) != 18:
            raise ValidationError(_("居民身份证号码应为18位。"), code="length")
        if not RESIDENT_ID.fullmatch(number):
            raise ValidationError(_("居民身份证号码格式不正确。"), code="invalid")
        if ric.calc_check_digit(number) != number[17]:
            raise ValidationError(_("居民身份证号码校验位不正确，请核对。"), code="checksum")
        try:
            ric.get_birth_date(number)
        except stdnum_errors.ValidationError:
            raise ValidationError(_("居民身份证号码中的出生日期无效。"), code="birth_date") from None
        # The region must be a known administrative code. Codes are checked without the year of birth: numbers
        # keep the code of the place where they were first issued, even after the county was renamed.
        places = {key for _part, properties in numdb.get("cn/loc").info(number[:6]) for key in properties}
        if "county" not in places:
            raise ValidationError(_("居民身份证号码中的地区代码无效。"), code="region")
        birth = ric.get_birth_date(number)
        if birth > date.today():
            raise ValidationError(_("居民身份证号码中的出生日期无效。"), code="birth_date")
        return number, birth
    pattern, message = OTHER_FORMATS.get(id_type, OTHER_FORMATS[IdType.OTHER])
    if not pattern.match(number):
        raise ValidationError(str(message), code="invalid")
    return number, None


def validate_credit_code(raw: str) -> str:
    """Return the normalised unified social credit code; raise ValidationError if the GB 32100 check fails."""
    code = normalize_id_number(raw)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="length")
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="checksum") from None
    except stdnum_errors.ValidationError:
        raise ValidationError(_("统一社会信用代码格式不正确。"), code="invalid") from None


def person_identity_index(id_type: str, number: str) -> str:
    """Return the blind index that makes one ID document belong to one verified account."""
    return blind_index(f"{id_type}:{number}", purpose="identity-person")


def institution_identity_index(credit_code: str) -> str:
    """Return the blind index of an institution's credit code."""
    return blind_index(credit_code, purpose="identity-institution")
