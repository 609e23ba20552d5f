from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.core.models import AuditEntry, CalendarDay, OutboxEntry, ReasonCode
from ruanzhu.core.outbox import outbox_entries_retry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, readable by those with the view permission and changeable by nobody."""

    list_display = ["created_at", "actor_label", "action", "field_label", "target_label", "ip"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["actor_label", "target_label", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = [
        "created_at",
        "actor",
        "actor_label",
        "action",
        "target_content_type",
        "target_object_id",
        "target_label",
        "field_label",
        "reason",
        "ip",
        "user_agent",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Staff enter adjusted working days, which fall on weekends: showing the weekday catches a wrong date.
WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["date", "kind", "name"]
    ordering = ["-date"]

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    """The configurable list of refusal reasons and the texts applicants read."""

    list_display = ("queue", "code", "label", "account_kind", "applicant_text", "is_active", "position")
    list_filter = ("queue", "account_kind", "is_active")
    list_editable = ("is_active", "position")
    search_fields = ("code", "label", "applicant_text")


class TransitionEventInline(admin.TabularInline):
    """The recorded transitions of a reviewed item, read-only: they are history."""

    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "from_status", "to_status", "note")

    def has_add_permission(self, request, obj=None):
        return False


class TOTPDeviceAdmin(otp_totp_admin.TOTPDeviceAdmin):
    """django-otp's admin of TOTP devices, where an unknown device answers 404 rather than a server error."""

    def config_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    """Queued tasks for operators: what is pending, what was given up, and a new start for the latter."""

    list_display = [
        "id",
        "task",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "dispatched_at",
        "done_at",
    ]
    list_filter = ["status", "task"]
    search_fields = ["request_id"]
    date_hierarchy = "created_at"
    fields = [
        "task",
        "args",
        "kwargs",
        "request_id",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "dispatched_at",
        "done_at",
    ]
    readonly_fields = fields
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        # The entries themselves are never edited; a new start is the one change, for those who may change them.
        return request.user.has_perm("core.change_outboxentry")

    @admin.action(description=_("重新执行已放弃的任务"), permissions=["retry"])
    def retry(self, request, queryset):
        changed = outbox_entries_retry(entry_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d 个任务将在一分钟内重新执行。") % {"count": changed})
