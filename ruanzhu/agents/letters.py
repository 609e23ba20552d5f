"""The agent's mandate letter (委托书), filled in from the mandate and both parties' verifications."""

from django.utils import timezone

from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.agents.services import party_details
from ruanzhu.core.masking import mask_id_number
from ruanzhu.documents.authorization import MandateLetterData, agent_mandate_letter_pdf


def mandate_letter_pdf(*, mandate: Mandate, viewer) -> bytes:
    """Render the 委托书 of ``mandate`` for ``viewer`` (its agent or its client).

    A client who is a person gets their ID number in full, to sign; the agent's copy shows it masked, since
    the agent has no need of it until the client has signed.
    """
    profile = AgentProfile.objects.get(account_id=mandate.agent_id)
    client = party_details(mandate.client)
    id_number = client.id_number
    if (
        id_number
        and viewer.pk != mandate.client_id
        and mandate.client.kind != mandate.client.Kind.INSTITUTION
    ):
        id_number = mask_id_number(id_number)
    return agent_mandate_letter_pdf(
        MandateLetterData(
            agent_name=profile.name,
            agent_address=profile.address,
            agent_postcode=profile.postcode,
            agent_contact_person=profile.contact_person,
            agent_phone=profile.phone,
            agent_email=profile.email,
            client_name=client.name,
            client_id_type=client.id_type,
            client_id_number=id_number,
            client_address=client.address,
            services=tuple(mandate.services),
            start_date=mandate.start_date,
            end_date=mandate.end_date,
            date=timezone.localdate(),
            reference=f"RZ-MD-{mandate.pk}",
        )
    )
