"""Reads of filings; who may do what with a filing is decided in ``ruanzhu.filings.access``, re-exported here."""

import datetime
from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import BooleanField, ExpressionWrapper, F, Field, QuerySet
from django.http import Http404
from django.utils import timezone

from ruanzhu.accounts.models import User
from ruanzhu.core.pagination import Keyset, KeysetPage, keyset_page_of_rows
from ruanzhu.filings.access import (
    MandateNotInForce,
    Purpose,
    filing_for,
    filings_for,
    grants,
    mandate_in_force,
    mandate_of,
    may,
)
from ruanzhu.filings.models import Filing, FilingParty
from ruanzhu.filings.states import Status

__all__ = [
    "MandateNotInForce",
    "Purpose",
    "awaiting_my_confirmation",
    "filing_for",
    "filings_for",
    "grants",
    "invitation_for",
    "invitations_for",
    "invitations_waiting",
    "mandate_in_force",
    "mandate_letter_of",
    "mandate_of",
    "may",
    "my_filings",
    "my_filings_page",
]

MY_FILINGS_ORDER = Keyset(("-updated_at", "-id"))
MY_FILINGS_PAGE_SIZE = 20
# What a row of 我的申请 shows and decides with: no account (reading one decrypts its phone and ID number) and
# no form details.
MY_FILINGS_COLUMNS = (
    "id",
    "service",
    "status",
    "title",
    "flow_number",
    "step",
    "updated_at",
    "applicant",
    "filer",
    "agent",
)


def my_filings(user, *, on: datetime.date | None = None) -> QuerySet[Filing]:
    """Return the 我的申请 list, newest change first, each with ``may_edit`` for ``user`` (on ``on``, today)."""
    if not user.is_authenticated:
        return Filing.objects.none()
    return (
        filings_for(user, purpose=Purpose.VIEW, on=on)
        .annotate(may_edit=ExpressionWrapper(grants(user, Purpose.EDIT, on=on), output_field=BooleanField()))
        .order_by("-updated_at", "-id")
    )


class CompiledQuery:
    """The SQL of a queryset, built and compiled once per process and database, run with each request's values.

    Building the conditions of ``grants`` (the Exists subqueries of parties and mandates) and compiling them cost
    more CPU than the rest of a list page, yet the SQL depends only on the query's shape: ``build`` makes the
    queryset from its values (keyword arguments), the slots. The shape is compiled with stand-in values; a
    slot's parameters are those that change when only that slot's stand-in changes. The compiled shape is used
    only if it proves itself: the same SQL whatever the stand-ins, and every parameter of the query built with
    the second stand-ins found by putting them in the first one's slots; otherwise every call builds the query.
    """

    def __init__(self, build: Callable[..., QuerySet], slots: dict[str, tuple[Field, Any, Any]]):
        # slots: name -> (the field whose column the value is compared with, first stand-in, second stand-in)
        self.build = build
        self.slots = slots
        self.compiled: dict[str, tuple[str, tuple, dict[str, list[int]]] | None] = {}

    def _compile(self, alias: str, values: dict[str, Any]) -> tuple[str, tuple]:
        return self.build(**values).query.get_compiler(using=alias).as_sql()

    def _prepare(self, alias: str, name: str, value: Any) -> Any:
        return self.slots[name][0].get_db_prep_value(value, connections[alias], prepared=False)

    def _shape(self, alias: str) -> tuple[str, tuple, dict[str, list[int]]] | None:
        first = {name: stand_ins[1] for name, stand_ins in self.slots.items()}
        second = {name: stand_ins[2] for name, stand_ins in self.slots.items()}
        sql, params = self._compile(alias, first)
        places = {}
        for name in self.slots:
            changed_sql, changed = self._compile(alias, {**first, name: second[name]})
            if changed_sql != sql or len(changed) != len(params):
                return None
            places[name] = [
                n for n, (one, other) in enumerate(zip(params, changed, strict=True)) if one != other
            ]
        other_sql, other_params = self._compile(alias, second)
        if other_sql != sql or self._fill(alias, params, places, second) != tuple(other_params):
            return None
        return sql, tuple(params), places

    def _fill(self, alias: str, params: tuple, places: dict[str, list[int]], values: dict[str, Any]) -> tuple:
        filled = list(params)
        for name, positions in places.items():
            prepared = self._prepare(alias, name, values[name])
            for position in positions:
                filled[position] = prepared
        return tuple(filled)

    def sql(self, alias: str, **values) -> tuple[str, tuple] | None:
        """Return the SQL and parameters of ``build(**values)`` on ``alias``, or None if the shape has none."""
        if alias not in self.compiled:
            self.compiled[alias] = self._shape(alias)
        shape = self.compiled[alias]
        if shape is None:
            return None
        sql, params, places = shape
        return sql, self._fill(alias, params, places, values)


# Stand-ins for the compiled shapes: no row has these ids, and no value of the request is compared with them.
_STAND_IN_IDS = (2_000_000_011, 2_000_000_013)
_STAND_IN_DATES = (datetime.date(2001, 2, 3), datetime.date(2002, 3, 4))
_STAND_IN_TIMES = (
    datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),
    datetime.datetime(2002, 3, 4, 5, 6, 7, tzinfo=datetime.UTC),
)


def _my_filings_rows(
    *, user: int, on: datetime.date, at=None, pk=None, staff: bool, backwards: bool, size: int
):
    # ``at`` and ``pk``: the cursor's position (both None for the first page).
    position = None if at is None else (at, pk)
    rows = my_filings(User(pk=user, is_staff=staff), on=on).select_related(None).only(*MY_FILINGS_COLUMNS)
    return MY_FILINGS_ORDER.seek(rows, position, backwards=backwards)[: size + 1]


# By (staff, cursor or not, backwards, page size): a handful, the page sizes being the code's, not the visitor's.
_MY_FILINGS_SHAPES: dict[tuple, CompiledQuery] = {}


def _my_filings_shape(*, staff: bool, cursor: bool, backwards: bool, size: int) -> CompiledQuery:
    key = (staff, cursor, backwards, size)
    if key not in _MY_FILINGS_SHAPES:
        fields = Filing._meta
        slots = {
            "user": (fields.get_field("id"), *_STAND_IN_IDS),
            "on": (fields.get_field("mandate").related_model._meta.get_field("start_date"), *_STAND_IN_DATES),
        }
        constants = {"staff": staff, "backwards": backwards, "size": size}
        if cursor:
            slots["at"] = (fields.get_field("updated_at"), *_STAND_IN_TIMES)
            slots["pk"] = (fields.get_field("id"), _STAND_IN_IDS[0] + 100, _STAND_IN_IDS[1] + 100)

        def build(**values):
            return _my_filings_rows(**values, **constants)

        _MY_FILINGS_SHAPES[key] = CompiledQuery(build, slots)
    return _MY_FILINGS_SHAPES[key]


def _my_filings_read(user, position, *, backwards: bool, size: int) -> list[Filing]:
    """Read the rows of one page (and one more), from the compiled shape of the query when it has one."""
    values = {"user": user.pk, "on": timezone.localdate()}
    if position is not None:
        values["at"], values["pk"] = position
    alias = router.db_for_read(Filing)
    shape = _my_filings_shape(
        staff=user.is_staff, cursor=position is not None, backwards=backwards, size=size
    )
    compiled = shape.sql(alias, **values)
    if compiled is None:
        rows = my_filings(user, on=values["on"]).select_related(None).only(*MY_FILINGS_COLUMNS)
        return list(MY_FILINGS_ORDER.seek(rows, position, backwards=backwards)[: size + 1])
    rows = list(Filing.objects.raw(*compiled, using=alias))
    for row in rows:
        # Some databases answer a condition as 0 or 1.
        row.may_edit = bool(row.may_edit)
    return rows


def my_filings_page(
    user, *, after: str = "", before: str = "", size: int = MY_FILINGS_PAGE_SIZE
) -> KeysetPage:
    """Return one page of 我的申请 after or before a cursor, newest change first, with the row's columns only.

    As ``keyset_page`` reads a page of ``my_filings``, with the query compiled once per process.
    """
    if not user.is_authenticated:
        return KeysetPage(rows=[])
    backwards = bool(before) and not after
    position = MY_FILINGS_ORDER.decode(Filing, before if backwards else after)
    if position is None:
        backwards = False
    rows = _my_filings_read(user, position, backwards=backwards, size=size)
    page = keyset_page_of_rows(rows, MY_FILINGS_ORDER, size=size, position=position, backwards=backwards)
    # None: back at the start of the list, so show a full first page.
    return page if page is not None else my_filings_page(user, size=size)


def _awaiting_query(*, user: int, **filings):
    # ``filings``: the ids of the page's filings, as filing0, filing1 …
    return (
        FilingParty.objects.filter(
            account=user, filing__in=list(filings.values()), filing__status=Status.AWAITING_CODES
        )
        # Confirmations of the current version only (a version the filing went back to counts anew).
        .exclude(confirmations__version__number=F("filing__form_version"))
        .order_by()
        .values_list("filing_id")
    )


def _invitations_query(*, user: int):
    return (
        FilingParty.objects.filter(account=user, status=FilingParty.Status.INVITED)
        .order_by()
        .values_list("pk")
    )


# The shapes of the two queries of 我的申请 besides its rows: the invitations, and the filings awaiting the
# user's confirmation by the number of the page's filings that await codes (at most a page).
_INVITATIONS_SHAPE = CompiledQuery(
    _invitations_query, {"user": (FilingParty._meta.get_field("account"), *_STAND_IN_IDS)}
)
_AWAITING_SHAPES: dict[int, CompiledQuery] = {}


def _values(query: QuerySet, shape: CompiledQuery, alias: str, values: dict) -> list[tuple]:
    """Return the rows of ``query`` (the shape built with ``values``), read with the compiled SQL if there is one."""
    compiled = shape.sql(alias, **values)
    if compiled is None:
        return list(query.using(alias))
    with connections[alias].cursor() as cursor:
        cursor.execute(*compiled)
        return cursor.fetchall()


def awaiting_my_confirmation(user, filings: list[Filing]) -> set[int]:
    """Return the ids of those of ``filings`` awaiting codes where ``user`` is a party yet to confirm the current
    version of the form."""
    ids = [filing.pk for filing in filings if filing.status == Status.AWAITING_CODES]
    if not ids or not user.is_authenticated:
        return set()
    if len(ids) not in _AWAITING_SHAPES:
        field = FilingParty._meta.get_field("id")
        slots = {"user": (FilingParty._meta.get_field("account"), *_STAND_IN_IDS)}
        for number in range(len(ids)):
            # Apart, so that no filing's second stand-in is another's first (an IN list drops repeated values).
            slots[f"filing{number}"] = (
                field,
                _STAND_IN_IDS[0] + 1000 + number,
                _STAND_IN_IDS[0] + 2000 + number,
            )
        _AWAITING_SHAPES[len(ids)] = CompiledQuery(_awaiting_query, slots)
    values = {"user": user.pk, **{f"filing{number}": pk for number, pk in enumerate(ids)}}
    alias = router.db_for_read(FilingParty)
    rows = _values(_awaiting_query(**values), _AWAITING_SHAPES[len(ids)], alias, values)
    return {row[0] for row in rows}


def invitations_waiting(user) -> int:
    """Return how many invitations wait for ``user``'s answer (``invitations_for(user).count()``)."""
    if not user.is_authenticated:
        return 0
    values = {"user": user.pk}
    alias = router.db_for_read(FilingParty)
    return len(_values(_invitations_query(**values), _INVITATIONS_SHAPE, alias, values))


def mandate_letter_of(filing: Filing):
    """Return the mandate under which the agent filed ``filing`` if its signed 委托书 was uploaded, or None."""
    if not filing.agent_id or not filing.mandate_id:
        return None
    mandate = filing.mandate
    return mandate if mandate.has_letter else None


def invitations_for(user) -> QuerySet[FilingParty]:
    """Return the invitations waiting for ``user``'s answer, the newest first, with their filing and filer."""
    if not user.is_authenticated:
        return FilingParty.objects.none()
    return (
        FilingParty.objects.filter(account=user, status=FilingParty.Status.INVITED)
        .select_related("filing__applicant", "filing__filer")
        .order_by("-added_at", "-id")
    )


def invitation_for(user, *, pk: int) -> FilingParty:
    """Return ``user``'s own invitation ``pk`` (whatever its state); 404 for anyone else's."""
    party = (
        FilingParty.objects.select_related("filing").filter(pk=pk, account=user).first()
        if user.is_authenticated
        else None
    )
    if party is None:
        raise Http404
    return party
