"""The institution's authorization letter (授权书), filled in from its verification."""

from django.utils import timezone

from ruanzhu.documents.authorization import InstitutionAuthorizationData, institution_authorization_letter_pdf
from ruanzhu.identity.models import Verification


def authorization_letter_for(verification: Verification) -> bytes:
    """Render the 授权书 for the institution and administrator entered in ``verification``."""
    return institution_authorization_letter_pdf(
        InstitutionAuthorizationData(
            institution_name=verification.institution_name,
            credit_code=verification.credit_code,
            legal_representative=verification.legal_representative,
            address=verification.address,
            administrator_name=verification.real_name,
            administrator_id_type=verification.get_id_type_display(),
            # Printed in full: the applicant prints this letter for their own signature.
            administrator_id_number=verification.id_number,
            account_username=verification.account.username,
            date=timezone.localdate(),
            reference=f"RZ-ID-{verification.pk}",
        )
    )
