"""The application form (申请表) of a filing, rendered by the shared PDF layer."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ruanzhu.documents.application_form import (
    AgentBlock,
    ApplicationFormData,
    FormParty,
    FormSection,
    application_form_pdf,
)
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import Filing, FormVersion
from ruanzhu.filings.services.versions import confirming_parties


def verification_url(filing: Filing, version: FormVersion) -> str:
    """Return the address of the public check of the filing's form ``version``, printed as its QR code."""
    return settings.SITE_URL + reverse("filings:form_verify", args=[filing.flow_number, version.token])


def _agent_block(filing: Filing) -> AgentBlock | None:
    block = filing.agent_block
    if not filing.agent_id or not block:
        return None
    return AgentBlock(
        name=block.get("name", ""),
        address=block.get("address", ""),
        postcode=block.get("postcode", ""),
        contact_person=block.get("contact_person", ""),
        phone=block.get("phone", ""),
        email=block.get("email", ""),
        mandate_description=block.get("mandate_description", ""),
    )


def application_form_for(filing: Filing, *, version: FormVersion) -> bytes:
    """Render the form of ``version``, the filing's current one, with its signature page, as its owners confirmed
    it."""
    definition = definition_for(filing.service)
    confirmations = {
        confirmation.party_id: confirmation.confirmed_at
        for confirmation in filing.confirmations.filter(
            version__number=filing.form_version, fingerprint=filing.fingerprint
        )
    }
    parties = confirming_parties(filing)
    return application_form_pdf(
        ApplicationFormData(
            service_code=filing.service,
            title=definition.form_title,
            flow_number=filing.flow_number,
            fingerprint=filing.fingerprint,
            issued_at=filing.form_issued_at or timezone.now(),
            sections=tuple(
                FormSection(title, tuple(rows)) for title, rows in definition.form_sections(filing.details)
            ),
            parties=tuple(
                FormParty(
                    role_label=party.get_role_display(),
                    name=party.name,
                    category=party.category,
                    id_type=party.id_type,
                    id_number=party.masked_id_number,
                    nationality=party.nationality,
                    province=party.province,
                    city=party.city,
                )
                for party in parties
            ),
            parties_title=str(definition.party_label),
            agent=_agent_block(filing),
            verification_url=verification_url(filing, version),
            documents=tuple(
                (
                    str(definition.document(document.kind).label),
                    f"{document.page_count or '—'}页，SHA-256 {document.sha256[:16]}",
                )
                for document in filing.documents.all()
                if definition.document(document.kind) is not None
            ),
            confirmations=tuple(
                (party.name, confirmations[party.pk]) for party in parties if party.pk in confirmations
            ),
        )
    )
