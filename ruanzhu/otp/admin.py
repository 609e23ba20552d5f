"""Read-only admin pages: delivery state for support staff, never a code hash or a message body."""

from django.contrib import admin

from ruanzhu.otp.models import OneTimeCode, OutboxMessage, SendBudgetDay, SmsMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ReadOnlyAdmin):
    list_display = ["id", "purpose", "subject", "status", "failed_attempts", "created_at", "expires_at"]
    list_filter = ["purpose", "status"]
    fields = ["purpose", "subject", "status", "failed_attempts", "created_at", "expires_at", "used_at"]
    readonly_fields = fields


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "masked_phone", "purpose", "status", "delivery_attempts", "created_at", "sent_at"]
    list_filter = ["purpose", "status"]
    fields = [
        "masked_phone",
        "purpose",
        "status",
        "delivery_attempts",
        "provider_reference",
        "error",
        "account",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "masked_phone", "message", "created_at"]
    fields = ["masked_phone", "message", "created_at"]
    readonly_fields = fields


@admin.register(SendBudgetDay)
class SendBudgetDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "sent"]
    fields = ["day", "sent"]
    readonly_fields = fields
