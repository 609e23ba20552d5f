"""An account's own data across the apps: download it, or close the account (SPEC §3)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.accounts.models import User
from ruanzhu.core.files import delete_private_file
from ruanzhu.filings.models import Filing
from ruanzhu.filings.selectors import filings_for
from ruanzhu.filings.states import DECIDED
from ruanzhu.identity.models import VerificationDocument, VerifiedIdentity
from ruanzhu.notifications.models import Notification


def account_export(*, user: User) -> dict:
    """Return everything the portal holds about ``user``, for the user's own download."""
    verifications = [
        {
            "kind": verification.kind,
            "status": verification.status,
            "real_name": verification.real_name,
            "id_type": verification.id_type,
            "id_number": verification.id_number,
            "institution_name": verification.institution_name,
            "credit_code": verification.credit_code,
            "submitted_at": verification.submitted_at.isoformat() if verification.submitted_at else None,
            "documents": [document.slot for document in verification.documents.all()],
        }
        for verification in user.verifications.prefetch_related("documents")
    ]
    return {
        "account": {
            "username": user.username,
            "kind": user.kind,
            "institution_name": user.institution_name,
            "email": user.email,
            "phone": user.phone,
            "identity_status": user.identity_status,
            "date_joined": user.date_joined.isoformat(),
        },
        "verifications": verifications,
        "filings": [
            {
                "service": filing.service,
                "title": filing.title,
                "status": filing.status,
                "flow_number": filing.flow_number,
            }
            for filing in filings_for(user)
        ],
        "notifications": [
            {"title": item.title, "body": item.body, "created_at": item.created_at.isoformat()}
            for item in Notification.objects.filter(recipient=user)
        ],
        "exported_at": timezone.now().isoformat(),
    }


def account_close(*, user: User, password: str) -> User:
    """Erase the account's personal data and deactivate it; its filings stay on record as the law requires."""
    if not user.check_password(password):
        raise ValidationError({"password": [_("密码不正确。")]})
    if Filing.objects.filter(applicant=user).exclude(status__in=DECIDED).exclude(status="draft").exists():
        raise ValidationError(_("您还有处理中的登记申请，请待其办结或撤回后再注销账户。"))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        documents = list(
            VerificationDocument.objects.filter(verification__account=user).values_list(
                "storage_name", flat=True
            )
        )
        VerificationDocument.objects.filter(verification__account=user).delete()
        user.verifications.update(id_number="", identity_index="", real_name="", address="", birth_date=None)
        VerifiedIdentity.objects.filter(account=user).delete()
        Filing.objects.filter(applicant=user, status="draft").delete()
        user.username = f"closed-{user.pk}"
        user.email = f"closed-{user.pk}@invalid.example"
        user.phone = ""
        user.phone_index = None
        user.institution_name = ""
        user.is_active = False
        user.identity_status = User.IdentityStatus.UNVERIFIED
        user.set_unusable_password()
        user.save()
        transaction.on_commit(lambda: [delete_private_file(name) for name in documents])
    return user
