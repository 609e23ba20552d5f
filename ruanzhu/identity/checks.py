"""The automatic checks of an uploaded ID photo, run by a task once the upload committed."""

from ruanzhu.core.files import read_private_file
from ruanzhu.identity.images.quality import check_photo
from ruanzhu.identity.models import Slot, VerificationDocument

# The photo checks look for the ID portrait on a front side and for the person on the handheld photo.
CHECK_SLOTS = {Slot.ID_FRONT: "front", Slot.ADMIN_ID_FRONT: "front", Slot.HANDHELD: "handheld"}


def document_run_checks(*, document_id: int) -> VerificationDocument | None:
    """Run the automatic photo checks of one document and save their results."""
    document = VerificationDocument.objects.filter(pk=document_id).first()
    if document is None:
        return None
    if document.is_pdf:
        results = []
    else:
        # Keyed by the name the applicant knows each photo by, which the duplicate message shows.
        others = {
            str(Slot(other.slot).label): int(other.photo_hash, 16)
            for other in document.verification.documents.exclude(pk=document.pk)
            if other.photo_hash
        }
        content = read_private_file(document.storage_name)
        results = [
            {
                "code": check.code,
                "passed": check.passed,
                "message": str(check.message),
                "value": check.value,
            }
            for check in check_photo(
                content, slot=CHECK_SLOTS.get(document.slot, document.slot), other_hashes=others
            )
        ]
    # Only the row just checked: a newer upload for the slot has its own run.
    VerificationDocument.objects.filter(pk=document.pk, sha256=document.sha256).update(
        checks=results, check_state=VerificationDocument.CheckState.DONE
    )
    document.refresh_from_db()
    return document
