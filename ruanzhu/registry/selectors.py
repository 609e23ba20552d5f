"""Reading the public registry: search with keyset pagination, a record, a certificate."""

import datetime
import re
import time
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, QuerySet

from ruanzhu.core.compiled import CompiledQuery
from ruanzhu.registry.models import (
    Registration,
    RegistrationChange,
    RegistrationOwner,
    RegistrationSearchToken,
)
from ruanzhu.registry.tokens import (
    GRAM_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    normalize,
    query_grams,
    query_tokens,
    year_grams,
)

PAGE_SIZE = 20
PAGE_SIZE_MAX = 50
# PostgreSQL: how many of the newest records a search reads in date order before it asks the gram index instead.
# A match found in more than about one record in WALK_ROWS / page fills its page within them; a rarer one has
# few rows in the index. The cost of both is bounded, whatever the query (bench/registry_bench.py).
WALK_ROWS = 10_000
# SQLite: how far the rows of a bigram are counted when choosing the rarest one to walk first.
TOKEN_COUNT_CAP = 5000
# At most this many further bigrams are checked in the index before the substring check on the record.
EXTRA_TOKENS_CHECKED = 2
REGISTRATION_NUMBER = re.compile(r"^\d{4}SR\d{7}$")
REGISTRATION_NUMBER_PREFIX = re.compile(r"^(\d{1,4}|\d{4}S|\d{4}SR\d{0,7})$")
DATE_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,19})$")


# The gram index of each scope (migration 0005).
GRAM_INDEXES = {
    RegistrationSearchToken.Scope.NAME: "registry_name_grams_idx",
    RegistrationSearchToken.Scope.OWNER: "registry_owner_grams_idx",
}


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


# Read the planner settings, then (the CTE is computed first) set them for the rest of the transaction: a bitmap
# scan, no parallel workers, no JIT (its compilation alone takes 10–20 ms, more than the query); and the years
# that hold records. {table} is the records' table.
PLANNER_SETTINGS_FOR_THE_INDEX = """
    WITH saved AS MATERIALIZED (
        SELECT current_setting('enable_seqscan') AS seqscan, current_setting('enable_indexscan') AS indexscan,
               current_setting('max_parallel_workers_per_gather') AS workers, current_setting('jit') AS jit,
               current_setting('plan_cache_mode') AS plans
    )
    SELECT seqscan, indexscan, workers, jit, plans,
           (SELECT min(registered_on) FROM {table}), (SELECT max(registered_on) FROM {table}),
           set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),
           set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true),
           set_config('plan_cache_mode', 'force_custom_plan', true)
    FROM saved
"""
PLANNER_SETTINGS_RESTORE = """
    SELECT set_config('enable_seqscan', %s, true), set_config('enable_indexscan', %s, true),
           set_config('max_parallel_workers_per_gather', %s, true), set_config('jit', %s, true),
           set_config('plan_cache_mode', %s, true)
"""
# A query of more than three characters asks the index for its rarest trigrams only, by the index's statistics,
# until the records expected to hold them all (were they independent) are at most this share of the records:
# reading the posting list of a trigram that many records hold costs more than checking the few extra rows it
# would have ruled out. Without statistics every trigram is asked.
GRAM_SHARE_ENOUGH = 1e-5
# How long a process keeps the index's statistics of its commonest grams.
GRAM_STATISTICS_SECONDS = 600
_gram_statistics: dict[tuple[str, str], tuple[float, dict[str, float], float]] = {}


def _gram_frequencies(cursor, *, alias: str, index: str) -> tuple[dict[str, float], float]:
    """Return the share of records holding each of the index's commonest keys (ANALYZE's most common elements),
    and the share below which the others lie."""
    cached = _gram_statistics.get((alias, index))
    now = time.monotonic()
    if cached is None or now - cached[0] > GRAM_STATISTICS_SECONDS:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats WHERE tablename = %s",
            [index],
        )
        row = cursor.fetchone()
        keys, shares = (row[0] or [], row[1] or []) if row else ([], [])
        # The list of shares ends with the least and the greatest share and that of empty arrays.
        floor = shares[len(keys)] if len(shares) > len(keys) else 1.0
        cached = (now, dict(zip(keys, shares, strict=False)), floor)
        _gram_statistics[(alias, index)] = cached
    return cached[1], cached[2]


def _grams_to_ask(grams: list[str], *, year: int, frequencies: dict[str, float], floor: float) -> list[str]:
    """Return the keys to ask for a query's grams (in query order) in one year: the rarest first, and first those
    that do not overlap one already asked (neighbouring trigrams share two characters, so they mostly hold the
    same records and rule out little more than one of them)."""
    keys = year_grams(year, grams)
    order = sorted(range(len(keys)), key=lambda index: frequencies.get(keys[index], floor))
    asked: list[int] = []
    share = 1.0
    for apart_only in (True, False):
        for index in order:
            if index in asked or (
                apart_only and any(abs(index - other) < GRAM_MAX_LENGTH for other in asked)
            ):
                continue
            asked.append(index)
            share *= frequencies.get(keys[index], floor)
            if share <= GRAM_SHARE_ENOUGH:
                return [keys[index] for index in asked]
    return [keys[index] for index in asked]


def _like_pattern(query: str) -> str:
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# The columns a page of results shows (the portal's rows and the API's hits): a row read with every column cost
# half again as much, for the owners' JSON, the search texts and two timestamps that no result shows.
RESULT_FIELDS = (
    "id",
    "registration_number",
    "software_name",
    "short_name",
    "version",
    "owners_text",
    "category",
    "first_publication_date",
    "registered_on",
    "status",
)


def _search_text_postgresql(
    *, alias: str, scope: str, query: str, after: str | None, limit: int
) -> list[Registration]:
    """Search the normalised texts on PostgreSQL: the newest records first, then the gram index.

    The GIN index on registry_search_grams(text, registered_on) (migration 0005) holds every one, two and three
    character substring of each line, keyed by the year; a query of up to three characters is one gram, a longer
    one has all its trigrams in the lines that contain it. LIKE then keeps exactly the records that contain it.
    """
    connection = connections[alias]
    table = connection.ops.quote_name(Registration._meta.db_table)
    column = "search_name" if scope == RegistrationSearchToken.Scope.NAME else "search_owners"
    after_condition, after_params = "", []
    if after is not None:
        after_date, after_id = _parse_date_cursor(after)
        after_condition, after_params = "AND (registered_on, id) < (%s, %s)", [after_date, after_id]
    pattern = _like_pattern(query)
    # Only names from the model, constants and integers are formatted in; the values are parameters. The limits
    # are part of the SQL: once the connection has prepared the statement, a plan made for any limit (a generic
    # plan) could scan and sort the whole table where the newest rows by the index are enough.
    columns = ", ".join(connection.ops.quote_name(name) for name in RESULT_FIELDS)
    newest = (
        f"SELECT {columns} FROM (SELECT * FROM {table} WHERE TRUE {after_condition} "  # noqa: S608
        f"ORDER BY registered_on DESC, id DESC LIMIT {WALK_ROWS:d}) AS newest "
        f"WHERE {column} LIKE %s ORDER BY registered_on DESC, id DESC LIMIT {int(limit):d}"
    )
    manager = Registration.objects.db_manager(alias)
    results = list(manager.raw(newest, [*after_params, pattern]))
    if len(results) == limit:
        return results
    indexed = (
        f"SELECT {columns} FROM {table} WHERE registry_search_grams({column}, registered_on) @> %s::text[] "  # noqa: S608
        f"AND {column} LIKE %s {after_condition} ORDER BY registered_on DESC, id DESC LIMIT %s"
    )
    grams = query_grams(query)
    # Fewer than a page among the newest records, so the match is rare: read its rows from the gram index (a
    # bitmap scan) a year at a time, newest first, until the page is full. The planner is told so, since its
    # estimate for several common grams can be far off, and a walk or scan that computes the grams of every row
    # would take seconds; and it plans each query for its own grams, not once for all (a prepared statement's
    # generic plan). The settings are put back afterwards: inside an outer transaction they would otherwise
    # outlive this one.
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(PLANNER_SETTINGS_FOR_THE_INDEX.format(table=table))
        row = cursor.fetchone()
        saved, (oldest, newest_day) = row[:5], row[5:7]
        if after is not None and newest_day is not None:
            newest_day = min(newest_day, after_date)
        years = range(newest_day.year, oldest.year - 1, -1) if oldest is not None else range(0)
        frequencies, floor = _gram_frequencies(cursor, alias=alias, index=GRAM_INDEXES[scope])
        results = []
        for year in years:
            keys = _grams_to_ask(grams, year=year, frequencies=frequencies, floor=floor)
            results += manager.raw(indexed, [keys, pattern, *after_params, limit - len(results)])
            if len(results) == limit:
                break
        cursor.execute(PLANNER_SETTINGS_RESTORE, saved)
    return results


def _search_text(*, scope: str, query: str, after: str | None, limit: int) -> list[Registration]:
    # Raw SQL picks its database as the queries around it do: the replica inside a replica scope (core.dbrouter).
    alias = router.db_for_read(Registration)
    if connections[alias].vendor == "postgresql":
        return _search_text_postgresql(alias=alias, scope=scope, query=query, after=after, limit=limit)
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
    rows = (
        rows.select_related("registration")
        .only(*(f"registration__{name}" for name in RESULT_FIELDS), "registration_id")
        .order_by("-registered_on", "-registration_id")
    )
    return [row.registration for row in rows[:limit]]


def _search_number(*, query: str, after: str | None, limit: int) -> list[Registration]:
    if REGISTRATION_NUMBER.match(query):
        if after is not None:
            return []
        return list(Registration.objects.filter(registration_number=query).only(*RESULT_FIELDS))
    # Numbers are handed out in order, so within a prefix the number order is the order of registration.
    registrations = Registration.objects.filter(
        registration_number__gte=query, registration_number__startswith=query
    )
    if after is not None:
        if not REGISTRATION_NUMBER.match(after):
            raise InvalidQuery(after)
        registrations = registrations.filter(registration_number__lt=after)
    return list(registrations.only(*RESULT_FIELDS).order_by("-registration_number")[:limit])


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


# The record page reads its registration by number: compiling that query cost as much as running it.
_REGISTRATION_BY_NUMBER = CompiledQuery(
    lambda number: Registration.objects.filter(registration_number=number),
    {"number": (Registration._meta.get_field("registration_number"), "9182SR7364554", "9182SR7364555")},
)


def registration_get(*, registration_number: str) -> Registration | None:
    """Return the registration with this number (any case), or None."""
    number = registration_number_normalize(registration_number)
    if not REGISTRATION_NUMBER.match(number):
        return None
    # The number is unique: one row at most.
    found = _REGISTRATION_BY_NUMBER.objects(router.db_for_read(Registration), number=number)
    return found[0] if found else None


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
