"""Who may see or edit which filing: every view and endpoint goes through these."""

from django.db.models import Q, QuerySet
from django.http import Http404

from ruanzhu.filings.models import Filing


def filings_visible_to(user) -> QuerySet[Filing]:
    """Return the filings ``user`` may see: as applicant, filer, co-owner or party, or as its agent."""
    if not user.is_authenticated:
        return Filing.objects.none()
    return (
        Filing.objects.filter(Q(applicant=user) | Q(filer=user) | Q(agent=user) | Q(parties__account=user))
        .distinct()
        .select_related("applicant", "filer", "agent")
    )


def filing_for_viewer(*, user, pk: int) -> Filing:
    """Return a filing ``user`` may see; 404 otherwise."""
    filing = filings_visible_to(user).filter(pk=pk).first()
    if filing is None:
        raise Http404
    return filing


def can_edit(user, filing: Filing) -> bool:
    """The filer edits its filing; the applicant too when it filed itself (co-owners only read and confirm)."""
    if not user.is_authenticated:
        return False
    return user.pk == filing.filer_id or (filing.agent_id is None and user.pk == filing.applicant_id)


def filing_for_editor(*, user, pk: int) -> Filing:
    """Return a filing ``user`` may edit; 404 for anyone else (a co-owner reading it also gets 404 here)."""
    filing = filing_for_viewer(user=user, pk=pk)
    if not can_edit(user, filing):
        raise Http404
    return filing


def my_filings(user) -> QuerySet[Filing]:
    """Return the 我的申请 list: newest change first."""
    return filings_visible_to(user).order_by("-updated_at", "-id")
