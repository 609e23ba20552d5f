"""What approving an R11 does: number the registration, publish the record, certify it."""

import datetime

from django.utils import timezone

from ruanzhu.documents.certificate import CertificateData
from ruanzhu.filings.definitions.base import Approval
from ruanzhu.filings.definitions.common import ACQUISITION, label_of, rights_label, verification_url
from ruanzhu.registry.services import RecordOwner, registration_create, registration_numbers_next


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def approve(filing, by) -> Approval:
    """Take the registration and certificate numbers, publish the record and return its certificate."""
    details = filing.details
    today = timezone.localdate()
    registration_number, certificate_sequence = registration_numbers_next(year=today.year)
    registration = registration_create(
        software_name=details["full_name"],
        short_name=details.get("short_name", ""),
        version=details["version"],
        category=details.get("category", ""),
        owners=[
            RecordOwner(
                party.name, party.account.kind, party.nationality, party.identity_index, party.account_id
            )
            for party in filing.joined_parties().order_by("position", "id")
        ],
        completion_date=_date(details["completion_date"]),
        first_publication_date=_date(details.get("first_publication_date")),
        registered_on=today,
        service=filing.service,
        source_reference=f"filing:{filing.pk}",
        registration_number=registration_number,
        certificate_sequence=certificate_sequence,
    )
    certificate = CertificateData(
        kind="registration",
        title="计算机软件著作权登记证书",
        certificate_number=registration.certificate_number,
        registration_number=registration.registration_number,
        software_name=registration.software_name,
        version=registration.version,
        owners=tuple(registration.owners),
        completion_date=_date(details["completion_date"]),
        first_publication_date=_date(details.get("first_publication_date")),
        acquisition=label_of(ACQUISITION, details.get("acquisition")),
        rights_scope=rights_label(details),
        registered_on=registration.registered_on,
        verification_url=verification_url(registration),
    )
    return Approval(
        registration=registration,
        certificate=certificate,
        kind="registration",
        number=registration.certificate_number,
    )
