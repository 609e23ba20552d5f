"""Keyset pagination for staff queues: a page is read from a cursor with a LIMIT, never with OFFSET or COUNT.

A queue declares its order as a ``Keyset`` (field names, ``-`` for descending, the last one unique, e.g. the id)
and asks ``keyset_page`` for the rows after or before a cursor. A cursor is the position of a row in that order,
written as integers joined by ``_`` (a date/time as microseconds since the epoch, a date as its ordinal).
"""

import datetime
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_NUMBER = re.compile(r"^-?\d{1,19}$")
CURSOR_MAX_LENGTH = 100


@dataclass
class KeysetPage:
    """One page of a queue and the cursors of its neighbours ("" where there is none)."""

    rows: list
    next_cursor: str = ""
    previous_cursor: str = ""


def _as_number(value) -> int:
    if isinstance(value, datetime.datetime):
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, datetime.date):
        return value.toordinal()
    return int(value)


def _from_number(field: models.Field, number: int):
    if isinstance(field, models.DateTimeField):
        return _EPOCH + datetime.timedelta(microseconds=number)
    if isinstance(field, models.DateField):
        return datetime.date.fromordinal(number)
    return number


@dataclass(frozen=True)
class Keyset:
    """The order of a queue: field names, ``-`` for descending; the last field is unique (the id)."""

    ordering: tuple[str, ...]

    @property
    def fields(self) -> list[tuple[str, bool]]:
        """Return (name, descending) for each field of the order."""
        return [(name.lstrip("-"), name.startswith("-")) for name in self.ordering]

    def encode(self, row) -> str:
        """Return the cursor of ``row``: its position in this order."""
        return "_".join(str(_as_number(getattr(row, name))) for name, _descending in self.fields)

    def decode(self, model: type[models.Model], value: str) -> tuple | None:
        """Return the position written in a cursor, or None for anything that is not a cursor of this order."""
        parts = (value or "").split("_")
        if len(value or "") > CURSOR_MAX_LENGTH or len(parts) != len(self.ordering):
            return None
        if not all(_NUMBER.match(part) for part in parts):
            return None
        try:
            return tuple(
                _from_number(model._meta.get_field(name), int(part))
                for (name, _descending), part in zip(self.fields, parts, strict=True)
            )
        except (OverflowError, ValueError):
            return None

    def seek(self, queryset: QuerySet, position: tuple | None, *, backwards: bool = False) -> QuerySet:
        """Return the rows after ``position`` in this order, or before it (nearest first) when ``backwards``."""
        model = queryset.model
        for name, _descending in self.fields:
            if model._meta.get_field(name).null:
                # A row without a value has no place in the order (and no cursor).
                queryset = queryset.filter(**{f"{name}__isnull": False})
        ahead = [(name, descending == backwards) for name, descending in self.fields]  # (name, ascending)
        if position is not None:
            (first, ascending), at = ahead[0], position[0]
            # The first condition bounds the index range; the second drops the rows at or before the position.
            later = Q()
            equal = Q()
            for (name, up), value in zip(ahead, position, strict=True):
                later |= equal & Q(**{f"{name}__{'gt' if up else 'lt'}": value})
                equal &= Q(**{name: value})
            queryset = queryset.filter(Q(**{f"{first}__{'gte' if ascending else 'lte'}": at}), later)
        return queryset.order_by(*(name if ascending else f"-{name}" for name, ascending in ahead))

    def sort(self, rows: list, *, backwards: bool = False) -> list:
        """Return ``rows`` (read from several parts of a queue) merged in this order, or its reverse."""

        def compare(left, right) -> int:
            for name, descending in self.fields:
                a, b = getattr(left, name), getattr(right, name)
                if a != b:
                    result = -1 if a < b else 1
                    return -result if descending != backwards else result
            return 0

        return sorted(rows, key=functools.cmp_to_key(compare))


def keyset_page(
    querysets: QuerySet | Sequence[QuerySet], keyset: Keyset, *, after: str = "", before: str = "", size: int
) -> KeysetPage:
    """Return one page of a queue after or before a cursor; a bad cursor gives the first page.

    A queue may come in parts (one per status, say), each read on its own from the cursor with a LIMIT so that
    the database walks one range of an index on the order from the cursor on; the parts are merged here.
    """
    parts = [querysets] if isinstance(querysets, QuerySet) else list(querysets)
    backwards = bool(before) and not after
    position = keyset.decode(parts[0].model, before if backwards else after)
    if position is None:
        backwards = False
    rows = [row for part in parts for row in keyset.seek(part, position, backwards=backwards)[: size + 1]]
    if len(parts) > 1:
        rows = keyset.sort(rows, backwards=backwards)
    page = keyset_page_of_rows(rows, keyset, size=size, position=position, backwards=backwards)
    # None: back at the start of the queue, so show a full first page.
    return page if page is not None else keyset_page(parts, keyset, size=size)


def keyset_page_of_rows(rows: list, keyset, *, size: int, position, backwards: bool) -> KeysetPage | None:
    """Make the page of the rows read from a position (up to size + 1 of them, in the order read), with its
    cursors; None when a page read backwards has reached the start, which is then shown as the first page."""
    more = len(rows) > size
    if backwards and not more:
        return None
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = KeysetPage(rows=rows)
    has_next = backwards or more
    has_previous = more if backwards else position is not None
    if rows and has_next:
        page.next_cursor = keyset.encode(rows[-1])
    if rows and has_previous:
        page.previous_cursor = keyset.encode(rows[0])
    return page
