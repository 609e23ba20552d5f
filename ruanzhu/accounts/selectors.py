import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower

from ruanzhu.accounts.models import User
from ruanzhu.core.compiled import STAND_IN_IDS, CompiledQuery
from ruanzhu.core.phones import normalize_phone, phone_index

# What a phone number may look like as typed: digits, an international prefix, spaces and the usual punctuation.
PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]+$")


def identifier_normalize(identifier: str) -> tuple[str, str]:
    """Return what a login identifier is ("phone", "email" or "username") and its one spelling.

    A phone comes back in E.164, after folding full-width characters (NFKC), so that "１３８ ０００…",
    "+86 138-…" and "0086 138…" are one number; an email or a username comes back stripped and in lower case.
    """
    text = (identifier or "").strip()
    folded = unicodedata.normalize("NFKC", text)
    if "@" in folded:
        return "email", text.lower()
    if PHONE_LIKE.match(folded):
        try:
            return "phone", normalize_phone(folded)
        except ValidationError:
            pass  # digits that make no mobile number: perhaps a username
    return "username", text.lower()


# Every logged-in request reads its account by id: compiling that query cost more than running it.
_USER_BY_PK = CompiledQuery(lambda pk: User.objects.filter(pk=pk), {"pk": (User._meta.pk, *STAND_IN_IDS)})


def user_by_pk(pk) -> User | None:
    """Return the account ``pk`` (``User.objects.get(pk=pk)``), or None."""
    users = _USER_BY_PK.objects(router.db_for_read(User), pk=pk)
    return users[0] if users else None


def user_find_by_identifier(identifier: str) -> User | None:
    """Return the account whose username, email or phone is ``identifier``, or None."""
    kind, value = identifier_normalize(identifier)
    if not value:
        return None
    if kind == "phone":
        return User.objects.filter(phone_index=phone_index(value)).first()
    if kind == "email":
        return users_matching_ignoring_case("email", value).first()
    return users_matching_ignoring_case("username", value).first()


def users_matching_ignoring_case(field: str, value: str) -> QuerySet[User]:
    """Return the accounts whose ``field`` (username or email) is ``value`` whatever the case.

    Compared as lower(field) = lower(value), the expression the case-insensitive unique indexes are built on, so
    that the database finds the row in that index: ``__iexact`` compares upper() of both sides and scans the
    whole table, a cost that grows with every account.
    """
    return User.objects.alias(folded=Lower(field)).filter(folded=Lower(Value(value)))


def user_find_by_phone(phone: str) -> User | None:
    """Return the account with this (normalised) phone number, or None."""
    return User.objects.filter(phone_index=phone_index(phone)).first()
