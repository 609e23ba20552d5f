"""The agent's mandate letter (委托书), filled in from the mandate and both parties' verifications."""

from django.utils import timezone

from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.core.masking import mask_id_number
from ruanzhu.documents.authorization import MandateLetterData, agent_mandate_letter_pdf
from ruanzhu.filings.definitions import definition_for
from ruanzhu.identity.selectors import verified_identity_of


def mandate_letter_pdf(*, mandate: Mandate, viewer) -> bytes:
    """Render the 委托书 of ``mandate`` for ``viewer`` (its agent or its client).

    A client who is a person gets their ID number in full, to sign; the agent's copy shows it masked, since
    the agent has no need of it until the client has signed.
    """
    profile = AgentProfile.objects.get(account_id=mandate.agent_id)
    client = verified_identity_of(mandate.client)
    id_number = client.id_number if client else ""
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
            client_name=(client and client.name) or mandate.client.display_name,
            client_id_type=client.id_type if client else "",
            client_id_number=id_number,
            client_address=client.address if client else "",
            services=tuple((code, definition_for(code).printed_title) for code in mandate.services),
            start_date=mandate.start_date,
            end_date=mandate.end_date,
            date=timezone.localdate(),
            reference=f"RZ-MD-{mandate.pk}",
        )
    )
