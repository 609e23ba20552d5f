from django.contrib import admin

from ruanzhu.core.admin import TransitionEventInline
from ruanzhu.identity.models import Verification, VerificationEvent, VerifiedIdentity


class VerificationEventInline(TransitionEventInline):
    model = VerificationEvent


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    """Read-only overview; decisions are taken on the review pages, where access is audited."""

    list_display = ("id", "kind", "subject_name", "status", "submitted_at", "due_date", "claimed_by")
    list_filter = ("status", "kind", "due_date")
    search_fields = ("real_name", "institution_name", "credit_code", "account__username")
    # The ID number is never shown here, not even masked: it is not needed to manage the queue.
    fields = (
        "account",
        "kind",
        "status",
        "real_name",
        "institution_name",
        "credit_code",
        "submitted_at",
        "due_date",
        "decided_at",
        "decided_by",
        "claimed_by",
        "claimed_at",
    )
    readonly_fields = fields
    inlines = [VerificationEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VerifiedIdentity)
class VerifiedIdentityAdmin(admin.ModelAdmin):
    list_display = ("account", "verification", "created_at")
    fields = ("account", "verification", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
