"""Staff mark verified institutions as agents here (the admin is behind the second factor)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ruanzhu.accounts.selectors import user_find_by_identifier
from ruanzhu.agents import services
from ruanzhu.agents.models import AgentProfile, Mandate, MandateEvent
from ruanzhu.core.admin import TransitionEventInline


class AgentMarkForm(forms.ModelForm):
    """Mark an account as agent: found by username or phone, refused unless it is a verified institution."""

    account_identifier = forms.CharField(
        label=_("机构账户"), max_length=100, help_text=_("机构账户的用户名或注册手机号。")
    )
    address = forms.CharField(
        label=_("地址"), max_length=200, required=False, help_text=_("留空则使用实名认证中的机构地址。")
    )

    class Meta:
        model = AgentProfile
        fields = ("address", "postcode", "contact_person", "phone", "email")

    def clean_account_identifier(self):
        account = user_find_by_identifier(self.cleaned_data["account_identifier"])
        error = services.agent_eligibility_error(account)
        if error:
            raise forms.ValidationError(error)
        self.account = account
        return self.cleaned_data["account_identifier"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "contact_person", "phone", "is_active", "marked_by", "marked_at")
    list_filter = ("is_active",)
    search_fields = ("name", "account__username", "contact_person")
    readonly_fields = ("account", "name", "marked_by", "marked_at")
    fields = (
        "account",
        "name",
        "address",
        "postcode",
        "contact_person",
        "phone",
        "email",
        "is_active",
        "marked_by",
        "marked_at",
    )
    actions = ("suspend", "restore")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AgentMarkForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("account_identifier", "address", "postcode", "contact_person", "phone", "email")
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        profile = services.agent_mark(
            account=form.account,
            by=request.user,
            address=form.cleaned_data["address"],
            postcode=form.cleaned_data["postcode"],
            contact_person=form.cleaned_data["contact_person"],
            phone=form.cleaned_data["phone"],
            email=form.cleaned_data["email"],
        )
        # The admin goes on with ``obj`` (history, redirect): make it the row the service created.
        obj.pk = profile.pk
        obj.account = profile.account
        obj.name = profile.name

    def has_delete_permission(self, request, obj=None):
        # Mandates and filings refer to the agent: suspend it instead.
        return False

    @admin.action(description=_("停用所选代理机构"))
    def suspend(self, request, queryset):
        for profile in queryset:
            services.agent_set_active(profile=profile, active=False)
        self.message_user(request, _("已停用，其委托自即刻起不再生效。"), messages.SUCCESS)

    @admin.action(description=_("恢复所选代理机构"))
    def restore(self, request, queryset):
        for profile in queryset:
            services.agent_set_active(profile=profile, active=True)
        self.message_user(request, _("已恢复。"), messages.SUCCESS)


class MandateEventInline(TransitionEventInline):
    model = MandateEvent


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    """Read-only: mandates change only by the actions of their two parties."""

    list_display = ("id", "agent", "client", "status", "start_date", "end_date", "created_at")
    list_filter = ("status",)
    search_fields = ("agent__username", "client__username", "agent__institution_name")
    fields = ("agent", "client", "services", "start_date", "end_date", "status", "description", "created_at")
    readonly_fields = fields
    inlines = [MandateEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
