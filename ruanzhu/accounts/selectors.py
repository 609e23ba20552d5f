from django.core.exceptions import ValidationError

from ruanzhu.accounts.models import User
from ruanzhu.core.phones import normalize_phone, phone_index


def user_find_by_identifier(identifier: str) -> User | None:
    """Return the account whose username, email or phone is ``identifier``, or None."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    if identifier.lstrip("+").replace(" ", "").replace("-", "").isdigit():
        try:
            e164 = normalize_phone(identifier)
        except ValidationError:
            return None
        return User.objects.filter(phone_index=phone_index(e164)).first()
    return User.objects.filter(username__iexact=identifier).first()


def user_find_by_phone(phone: str) -> User | None:
    """Return the account with this (normalised) phone number, or None."""
    return User.objects.filter(phone_index=phone_index(phone)).first()
