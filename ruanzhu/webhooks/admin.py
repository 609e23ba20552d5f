"""Webhook deliveries for operators, read-only: what is retrying, what failed and why. Secrets are not shown."""

from django.contrib import admin

from ruanzhu.webhooks.models import WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"
    fields = [
        "endpoint",
        "event_id",
        "event_type",
        "filing",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "response_status",
        "response_excerpt",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
