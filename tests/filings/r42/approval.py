from ruanzhu.documents.certificate import CertificateData
from ruanzhu.filings.definitions import Approval
from ruanzhu.filings.definitions.common import registration_of, verification_url
from ruanzhu.registry.models import RegistrationChange
from ruanzhu.registry.services import (
    certificate_number_label,
    certificate_sequence_next,
    registration_record_change,
)


def approve(filing, by) -> Approval:
    """Note the reissue on the record and issue the reissued certificate under a new number."""
    registration = registration_of(filing)
    number = certificate_number_label(certificate_sequence_next())
    registration_record_change(
        registration=registration,
        kind=RegistrationChange.Kind.SUPPLEMENT,
        description=f"证书补发：{filing.details['reason']}",
        before={},
        after={"reissued": number},
        certificate_number=number,
    )
    registration.refresh_from_db()
    certificate = CertificateData(
        kind="reissue",
        title="计算机软件著作权登记证书（补发）",
        certificate_number=number,
        registration_number=registration.registration_number,
        software_name=registration.software_name,
        version=registration.version,
        owners=tuple(registration.owners),
        completion_date=registration.completion_date,
        first_publication_date=registration.first_publication_date,
        acquisition="—",
        rights_scope="—",
        registered_on=registration.registered_on,
        verification_url=verification_url(registration),
        closing="根据《计算机软件著作权登记办法》的规定，经审查，补发登记证书。",
    )
    return Approval(registration=registration, certificate=certificate, kind="reissue", number=number)
