"""What the applicant's filing page shows of examination: an open 补正 and the certificate."""

from django.urls import reverse
from django.utils import timezone

from ruanzhu.examination.models import Certificate
from ruanzhu.examination.services import open_correction
from ruanzhu.filings.access import Purpose, may
from ruanzhu.filings.models import Filing
from ruanzhu.filings.states import Status


def examination_panel(*, user, filing: Filing) -> dict:
    """Return the context of ``examination/_filing_panel.html`` for a filing ``user`` may see."""
    panel = {
        "correction": None,
        "correction_url": "",
        "expired": False,
        "may_submit": False,
        "certificate_url": "",
    }
    if filing.status == Status.CORRECTION:
        correction = open_correction(filing)
        if correction is not None:
            panel.update(
                correction=correction,
                correction_url=reverse("examination_applicant:correction", args=[filing.pk]),
                expired=correction.deadline < timezone.localdate(),
                may_submit=may(user, filing, Purpose.CORRECT),
            )
    elif filing.status == Status.REGISTERED and may(user, filing, Purpose.CERTIFICATE):
        certificate = Certificate.objects.filter(filing=filing).select_related("registration").first()
        if certificate is not None:
            panel.update(
                certificate=certificate,
                certificate_url=reverse("examination_applicant:certificate", args=[filing.pk]),
                record_url=reverse("registry:record", args=[certificate.registration.registration_number]),
            )
    return panel
