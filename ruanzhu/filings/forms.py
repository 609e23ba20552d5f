"""Forms of the applicant's pages that are not a service's step forms: owners, uploads, codes, withdrawal."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.models import PartyRole


class OwnerAddForm(forms.Form):
    identifier = forms.CharField(
        label=_("手机号或用户名"),
        max_length=150,
        error_messages={"required": _("请输入著作权人的手机号或用户名。")},
    )
    # The side of a contract the account is added on; services with owners only leave it out.
    role = forms.ChoiceField(label=_("当事人角色"), choices=PartyRole.choices, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), error_messages={"required": _("请选择要上传的文件。")})


class CodeForm(forms.Form):
    party_id = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.RegexField(
        label=_("验证码"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"required": _("请输入6位验证码。"), "invalid": _("请输入6位验证码。")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回理由"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写撤回理由。")},
    )


class FilerRoleForm(forms.Form):
    """填报身份 on 立即登记 for an agent's account: its own application, or a client's under a mandate."""

    APPLICANT = "applicant"
    AGENT = "agent"

    filer_role = forms.ChoiceField(
        label=_("填报身份"),
        choices=[(APPLICANT, _("我是申请人")), (AGENT, _("我是代理机构：为委托人办理"))],
        widget=forms.RadioSelect,
        initial=APPLICANT,
        error_messages={"required": _("请选择填报身份。")},
    )
    mandate_client = forms.TypedChoiceField(label=_("委托人"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.clients = {client.pk: client for client in clients}
        self.fields["mandate_client"].choices = [("", _("请选择委托人"))] + [
            (client.pk, client.display_name) for client in clients
        ]
        if not clients:
            self.fields["mandate_client"].help_text = _(
                "暂无委托本业务的委托人：请先发起委托，由委托人确认。"
            )

    def clean(self):
        cleaned = super().clean()
        client = self.clients.get(cleaned.get("mandate_client"))
        if cleaned.get("filer_role") == self.AGENT and client is None:
            self.add_error("mandate_client", _("请选择委托人。"))
        cleaned["client"] = client if cleaned.get("filer_role") == self.AGENT else None
        return cleaned
