"""Reads about agents and mandates; whether a mandate is in force is asked afresh on every request."""

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.examination.models import CorrectionRound
from ruanzhu.filings.access import Purpose, filings_for, mandate_in_force
from ruanzhu.filings.models import Filing


def agent_profile_for(user) -> AgentProfile | None:
    """Return the active agent profile of ``user``, or None when it is not (or no longer) an agent."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return AgentProfile.objects.filter(account=user, is_active=True).first()


def mandate_active(*, agent, client, service: str, on: datetime.date | None = None) -> Mandate | None:
    """Return the mandate by which ``agent`` may act for ``client`` in ``service`` on ``on`` (today), or None.

    Evaluated afresh on every call, never cached: a revocation or the end of the term takes effect on the next
    request.
    """
    return mandate_in_force(agent=agent, client=client, service=service, on=on)


def mandates_of_agent(agent) -> QuerySet[Mandate]:
    """Return every mandate proposed by ``agent``, newest first."""
    return Mandate.objects.filter(agent=agent).select_related("client").order_by("-created_at", "-id")


def mandates_of_client(client) -> QuerySet[Mandate]:
    """Return every mandate proposed to or held by ``client``, newest first."""
    return (
        Mandate.objects.filter(client=client)
        .select_related("agent", "agent__agent_profile")
        .order_by("-created_at", "-id")
    )


def mandate_for_party(*, user, pk: int) -> Mandate:
    """Return the mandate ``pk`` if ``user`` is its agent or its client; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    mandate = (
        Mandate.objects.filter(Q(agent=user) | Q(client=user), pk=pk)
        .select_related("agent", "client", "agent__agent_profile")
        .first()
    )
    if mandate is None:
        raise Http404
    return mandate


def agent_filings(*, agent, client_id: int | None = None, status: str = "") -> QuerySet[Filing]:
    """Return the filings ``agent`` files under a mandate in force, with the open correction deadline.

    A filing whose mandate lapsed is left out, as its pages refuse the agent (ruanzhu.filings.access).
    """
    open_deadline = (
        CorrectionRound.objects.filter(filing=OuterRef("pk"), answered_at__isnull=True)
        .order_by("-number")
        .values("deadline")[:1]
    )
    filings = (
        filings_for(agent, purpose=Purpose.EDIT)
        .filter(agent=agent)
        .annotate(correction_deadline=Subquery(open_deadline))
        .order_by("-updated_at", "-id")
    )
    if client_id is not None:
        filings = filings.filter(applicant_id=client_id)
    if status:
        filings = filings.filter(status=status)
    return filings


def agent_cache_key(user_id: int) -> str:
    return f"agents:is_agent:{user_id}"


def is_active_agent(user) -> bool:
    """Tell whether the account is an active agent (the header caches it: ruanzhu.portal.context_processors.header)."""
    if user.is_staff:
        return False
    return AgentProfile.objects.filter(account_id=user.pk, is_active=True).exists()
