"""Reads of filings; who may do what with a filing is decided in ``ruanzhu.filings.access``, re-exported here."""

import datetime

from django.db import router
from django.db.models import BooleanField, ExpressionWrapper, F, QuerySet
from django.http import Http404
from django.utils import timezone

from ruanzhu.accounts.models import User
from ruanzhu.core.compiled import STAND_IN_IDS, CompiledQuery
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
from ruanzhu.filings.models import Filing, FilingDocument, FilingEvent, FilingParty
from ruanzhu.filings.states import Status

__all__ = [
    "MandateNotInForce",
    "Purpose",
    "awaiting_my_confirmation",
    "documents_of",
    "events_of",
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


# Stand-in dates for the compiled shapes (the ids are core.compiled.STAND_IN_IDS).
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
            "user": (fields.get_field("id"), *STAND_IN_IDS),
            "on": (fields.get_field("mandate").related_model._meta.get_field("start_date"), *_STAND_IN_DATES),
        }
        constants = {"staff": staff, "backwards": backwards, "size": size}
        if cursor:
            slots["at"] = (fields.get_field("updated_at"), *_STAND_IN_TIMES)
            slots["pk"] = (fields.get_field("id"), STAND_IN_IDS[0] + 100, STAND_IN_IDS[1] + 100)

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


def _filing_slots(count: int) -> dict:
    """Return the slots of ``count`` filing ids in an IN list, as filing0, filing1 …"""
    field = FilingParty._meta.get_field("id")
    # Apart, so that no filing's second stand-in is another's first (an IN list drops repeated values).
    return {
        f"filing{number}": (field, STAND_IN_IDS[0] + 1000 + number, STAND_IN_IDS[0] + 2000 + number)
        for number in range(count)
    }


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
    _invitations_query, {"user": (FilingParty._meta.get_field("account"), *STAND_IN_IDS)}
)
_AWAITING_SHAPES: dict[int, CompiledQuery] = {}


def awaiting_my_confirmation(user, filings: list[Filing]) -> set[int]:
    """Return the ids of those of ``filings`` awaiting codes where ``user`` is a party yet to confirm the current
    version of the form."""
    ids = [filing.pk for filing in filings if filing.status == Status.AWAITING_CODES]
    if not ids or not user.is_authenticated:
        return set()
    if len(ids) not in _AWAITING_SHAPES:
        slots = {"user": (FilingParty._meta.get_field("account"), *STAND_IN_IDS), **_filing_slots(len(ids))}
        _AWAITING_SHAPES[len(ids)] = CompiledQuery(_awaiting_query, slots)
    values = {"user": user.pk, **{f"filing{number}": pk for number, pk in enumerate(ids)}}
    alias = router.db_for_read(FilingParty)
    rows = _AWAITING_SHAPES[len(ids)].rows(alias, **values)
    return {row[0] for row in rows}


def _party_names_query(**filings):
    # ``filings``: the ids of the filings, as filing0, filing1 … In the parties' order (position, then id).
    return FilingParty.objects.filter(filing__in=list(filings.values())).values_list("filing_id", "name")


_PARTY_NAMES_SHAPES: dict[int, CompiledQuery] = {}


def party_names_of(filing_ids: list[int]) -> dict[int, list[str]]:
    """Return the names of each filing's parties by filing id, in the order ``filing.parties.all()`` gives them.

    A list of filings (the examiners' queue) shows them; the query is compiled once per number of filings.
    """
    if not filing_ids:
        return {}
    if len(filing_ids) not in _PARTY_NAMES_SHAPES:
        _PARTY_NAMES_SHAPES[len(filing_ids)] = CompiledQuery(
            _party_names_query, _filing_slots(len(filing_ids))
        )
    values = {f"filing{number}": pk for number, pk in enumerate(filing_ids)}
    names = {pk: [] for pk in filing_ids}
    for filing_id, name in _PARTY_NAMES_SHAPES[len(filing_ids)].rows(
        router.db_for_read(FilingParty), **values
    ):
        names[filing_id].append(name)
    return names


def invitations_waiting(user) -> int:
    """Return how many invitations wait for ``user``'s answer (``invitations_for(user).count()``)."""
    if not user.is_authenticated:
        return 0
    values = {"user": user.pk}
    alias = router.db_for_read(FilingParty)
    return len(_INVITATIONS_SHAPE.rows(alias, **values))


# A filing's page lists its documents and its history: compiling those queries cost more than running them.
_DOCUMENTS_SHAPE = CompiledQuery(
    lambda filing: FilingDocument.objects.filter(filing=filing).order_by("uploaded_at", "id"),
    {"filing": (FilingDocument._meta.get_field("filing"), *STAND_IN_IDS)},
)
_EVENTS_SHAPE = CompiledQuery(
    lambda filing: FilingEvent.objects.filter(filing=filing).order_by("created_at", "id"),
    {"filing": (FilingEvent._meta.get_field("filing"), *STAND_IN_IDS)},
)


def documents_of(filing: Filing) -> list[FilingDocument]:
    """Return the filing's documents, the first uploaded first (``filing.documents.order_by(...)``)."""
    documents = _DOCUMENTS_SHAPE.objects(router.db_for_read(FilingDocument), filing=filing.pk)
    for document in documents:
        FilingDocument.filing.field.set_cached_value(document, filing)
    return documents


def events_of(filing: Filing) -> list[FilingEvent]:
    """Return the filing's history, oldest first (``filing.events.order_by(...)``)."""
    events = _EVENTS_SHAPE.objects(router.db_for_read(FilingEvent), filing=filing.pk)
    for event in events:
        FilingEvent.filing.field.set_cached_value(event, filing)
    return events


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
