"""Reading the public registry: search with keyset pagination, a record, a certificate."""

import datetime
import re
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Exists, OuterRef, QuerySet

from ruanzhu.registry.models import (
    Registration,
    RegistrationChange,
    RegistrationOwner,
    RegistrationSearchToken,
)
from ruanzhu.registry.tokens import QUERY_MAX_LENGTH, normalize, query_tokens

PAGE_SIZE = 20
PAGE_SIZE_MAX = 50
# How far the rows of a bigram are counted when choosing the rarest one to walk first.
TOKEN_COUNT_CAP = 5000
# At most this many further bigrams are checked in the index before the substring check on the record.
EXTRA_TOKENS_CHECKED = 2
REGISTRATION_NUMBER = re.compile(r"^\d{4}SR\d{7}$")
REGISTRATION_NUMBER_PREFIX = re.compile(r"^(\d{1,4}|\d{4}S|\d{4}SR\d{0,7})$")
DATE_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,19})$")


class SearchField:
    NAME = "name"
    OWNER = "owner"
    NUMBER = "number"


class InvalidQuery(ValueError):
    """A query or cursor that the search cannot run."""


@dataclass(frozen=True)
class SearchPage:
    results: list[Registration]
    next_cursor: str | None


def registration_number_normalize(value: str) -> str:
    return "".join(value.split()).upper()


def _date_cursor(registration: Registration) -> str:
    return f"{registration.registered_on.isoformat()}.{registration.pk}"


def _parse_date_cursor(cursor: str) -> tuple[datetime.date, int]:
    match = DATE_CURSOR.match(cursor)
    if not match:
        raise InvalidQuery(cursor)
    try:
        return datetime.date.fromisoformat(match[1]), int(match[2])
    except ValueError as error:
        raise InvalidQuery(cursor) from error


def _token_counts(*, scope: str, tokens: list[str]) -> dict[str, int]:
    """Count the rows of each token, up to TOKEN_COUNT_CAP, in one statement."""
    # Raw SQL picks its database as the queries around it do: the replica inside a replica scope (core.dbrouter).
    connection = connections[router.db_for_read(RegistrationSearchToken)]
    table = connection.ops.quote_name(RegistrationSearchToken._meta.db_table)
    # Only the table name (from the model) is formatted in; the values are parameters.
    columns = ", ".join(
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE scope = %s AND token = %s LIMIT %s) AS t{index})"  # noqa: S608
        for index in range(len(tokens))
    )
    params: list = []
    for token in tokens:
        params += [scope, token, TOKEN_COUNT_CAP]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}", params)
        counts = cursor.fetchone()
    return dict(zip(tokens, counts, strict=True))


def _search_text(*, scope: str, query: str, after: str | None, limit: int) -> list[Registration]:
    tokens = query_tokens(query)
    if len(tokens) > 1:
        counts = _token_counts(scope=scope, tokens=tokens)
        tokens.sort(key=lambda token: counts[token])
        if counts[tokens[0]] == 0:
            return []
    # Walk the rarest token's rows in date order straight from the index; the first page stops after `limit`
    # hits however many rows the token has.
    rows = RegistrationSearchToken.objects.filter(scope=scope, token=tokens[0])
    if after is not None:
        after_date, after_id = _parse_date_cursor(after)
        rows = rows.filter(registered_on__lte=after_date).exclude(
            registered_on=after_date, registration_id__gte=after_id
        )
    for token in tokens[1 : 1 + EXTRA_TOKENS_CHECKED]:
        rows = rows.filter(
            Exists(
                RegistrationSearchToken.objects.filter(
                    scope=scope,
                    token=token,
                    registered_on=OuterRef("registered_on"),
                    registration_id=OuterRef("registration_id"),
                )
            )
        )
    if len(query) > 2:
        # Holding every bigram does not make a substring ("数据库" has 数据 and 据库 ...), so check the text.
        field = "search_name" if scope == RegistrationSearchToken.Scope.NAME else "search_owners"
        rows = rows.filter(**{f"registration__{field}__contains": query})
    rows = rows.select_related("registration").order_by("-registered_on", "-registration_id")
    return [row.registration for row in rows[:limit]]


def _search_number(*, query: str, after: str | None, limit: int) -> list[Registration]:
    if REGISTRATION_NUMBER.match(query):
        return list(Registration.objects.filter(registration_number=query)) if after is None else []
    # Numbers are handed out in order, so within a prefix the number order is the order of registration.
    registrations = Registration.objects.filter(
        registration_number__gte=query, registration_number__startswith=query
    )
    if after is not None:
        if not REGISTRATION_NUMBER.match(after):
            raise InvalidQuery(after)
        registrations = registrations.filter(registration_number__lt=after)
    return list(registrations.order_by("-registration_number")[:limit])


def registration_search(
    *, query: str, field: str = SearchField.NAME, after: str | None = None, page_size: int = PAGE_SIZE
) -> SearchPage:
    """Return one page of the registrations matching a query, newest first, and the cursor of the next page.

    ``name`` finds a substring of the full or short name, ``owner`` of an owner's name; ``number`` finds a
    registration number or the numbers that start with the query. Raise InvalidQuery for an unusable query.
    """
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    if field == SearchField.NUMBER:
        query = registration_number_normalize(query)
        if not REGISTRATION_NUMBER_PREFIX.match(query):
            raise InvalidQuery(query)
        results = _search_number(query=query, after=after, limit=page_size + 1)
        has_more = len(results) > page_size
        results = results[:page_size]
        cursor = results[-1].registration_number if has_more else None
        return SearchPage(results=results, next_cursor=cursor)
    if field not in (SearchField.NAME, SearchField.OWNER):
        raise InvalidQuery(field)
    query = normalize(query)
    if not query or len(query) > QUERY_MAX_LENGTH or "\n" in query:
        raise InvalidQuery(query)
    scope = (
        RegistrationSearchToken.Scope.NAME
        if field == SearchField.NAME
        else RegistrationSearchToken.Scope.OWNER
    )
    results = _search_text(scope=scope, query=query, after=after, limit=page_size + 1)
    has_more = len(results) > page_size
    results = results[:page_size]
    return SearchPage(results=results, next_cursor=_date_cursor(results[-1]) if has_more else None)


def registration_get(*, registration_number: str) -> Registration | None:
    """Return the registration with this number (any case), or None."""
    number = registration_number_normalize(registration_number)
    if not REGISTRATION_NUMBER.match(number):
        return None
    try:
        return Registration.objects.get(registration_number=number)
    except Registration.DoesNotExist:
        return None


def registration_by_certificate_token(*, token: str) -> Registration | None:
    """Return the registration whose certificate carries this verification token, or None."""
    if not token or len(token) > 64:
        return None
    try:
        return Registration.objects.get(certificate_token=token)
    except Registration.DoesNotExist:
        return None


def registration_changes(*, registration: Registration) -> QuerySet[RegistrationChange]:
    """Return the later changes of a registration, oldest first."""
    return RegistrationChange.objects.filter(registration=registration).order_by("recorded_on", "id")


def record_owners(*, registration: Registration) -> list[RegistrationOwner]:
    """Return the owners of record of a registration, in the order printed."""
    return list(registration.owners_of_record.order_by("position", "id"))
