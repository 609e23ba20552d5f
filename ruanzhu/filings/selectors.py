"""Reads of filings; who may do what with a filing is decided in ``ruanzhu.filings.access``, re-exported here."""

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import Http404

from ruanzhu.core.pagination import Keyset, KeysetPage, keyset_page
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

__all__ = [
    "MandateNotInForce",
    "Purpose",
    "filing_for",
    "filings_for",
    "grants",
    "invitation_for",
    "invitations_for",
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


def my_filings(user) -> QuerySet[Filing]:
    """Return the 我的申请 list, newest change first, each with ``may_edit`` for ``user``."""
    if not user.is_authenticated:
        return Filing.objects.none()
    return (
        filings_for(user, purpose=Purpose.VIEW)
        .annotate(may_edit=ExpressionWrapper(grants(user, Purpose.EDIT), output_field=BooleanField()))
        .order_by("-updated_at", "-id")
    )


def my_filings_page(
    user, *, after: str = "", before: str = "", size: int = MY_FILINGS_PAGE_SIZE
) -> KeysetPage:
    """Return one page of 我的申请 after or before a cursor, newest change first, with the row's columns only."""
    rows = my_filings(user).select_related(None).only(*MY_FILINGS_COLUMNS)
    return keyset_page(rows, MY_FILINGS_ORDER, after=after, before=before, size=size)


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
