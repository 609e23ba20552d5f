"""Reads about agents and mandates; the filings code asks ``mandate_active`` on every request."""

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from ruanzhu.accounts.models import User
from ruanzhu.agents.models import AgentProfile, Mandate


def agent_profile_for(user) -> AgentProfile | None:
    """Return the active agent profile of ``user``, or None when it is not (or no longer) an agent."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return AgentProfile.objects.filter(account=user, is_active=True).first()


def _in_effect(on: datetime.date) -> Q:
    """Accepted, in term on ``on``, given to an agent that is still active."""
    return Q(
        status=Mandate.Status.ACCEPTED,
        start_date__lte=on,
        end_date__gte=on,
        agent__is_active=True,
        agent__agent_profile__is_active=True,
    )


def mandate_active(*, agent, client, service: str, on: datetime.date | None = None) -> Mandate | None:
    """Return the mandate by which ``agent`` may act for ``client`` in ``service`` on ``on`` (today), or None.

    Evaluated afresh on every call, never cached: a revocation or the end of the term takes effect on the next
    request.
    """
    if agent is None or client is None or agent.pk is None or client.pk is None or agent.pk == client.pk:
        return None
    on = on or timezone.localdate()
    candidates = Mandate.objects.filter(_in_effect(on), agent=agent, client=client).order_by(
        "-start_date", "-id"
    )
    # JSON containment is not available on every database; a pair has very few mandates.
    return next((mandate for mandate in candidates if mandate.covers(service)), None)


def clients_of(agent) -> QuerySet[User]:
    """Return the accounts for which ``agent`` holds a mandate in effect today."""
    today = timezone.localdate()
    client_ids = Mandate.objects.filter(_in_effect(today), agent=agent).values("client_id")
    return User.objects.filter(pk__in=client_ids).order_by("username")


def agent_block_for(mandate: Mandate) -> dict:
    """Return the agent block printed on the forms an agent issues under ``mandate`` (SPEC §8)."""
    profile = AgentProfile.objects.get(account_id=mandate.agent_id)
    return {
        "name": profile.name,
        "address": profile.address,
        "postcode": profile.postcode,
        "contact_person": profile.contact_person,
        "phone": profile.phone,
        "email": profile.email,
        "mandate_description": mandate.description[:180],
    }


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


def agent_filings(*, agent, client_id: int | None = None, status: str = "") -> QuerySet:
    """Return the filings ``agent`` files, with the open correction deadline, optionally for one client."""
    from ruanzhu.examination.models import CorrectionRound
    from ruanzhu.filings.models import Filing

    open_deadline = (
        CorrectionRound.objects.filter(filing=OuterRef("pk"), answered_at__isnull=True)
        .order_by("-number")
        .values("deadline")[:1]
    )
    filings = (
        Filing.objects.filter(agent=agent)
        .select_related("applicant")
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
    """Tell whether the account is an active agent (the header caches it: ruanzhu.core.context_processors.header)."""
    if user.is_staff:
        return False
    return AgentProfile.objects.filter(account_id=user.pk, is_active=True).exists()
