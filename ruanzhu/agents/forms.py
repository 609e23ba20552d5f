from django import forms
from django.utils.translation import gettext_lazy as _

from ruanzhu.agents.models import DESCRIPTION_MAX_LENGTH
from ruanzhu.filings.definitions import definitions
from ruanzhu.filings.states import Status as FilingStatus

DATE_ERRORS = {"required": _("请填写委托期限。"), "invalid": _("请输入有效日期，如2026-12-01。")}


def service_choices():
    return [(definition.code, f"{definition.title}（{definition.code}）") for definition in definitions()]


class MandateProposeForm(forms.Form):
    client = forms.CharField(
        label=_("委托人"),
        max_length=100,
        help_text=_("委托人的用户名或注册手机号；委托人须已通过实名认证。"),
    )
    services = forms.MultipleChoiceField(
        label=_("委托事项"),
        choices=service_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少选择一项委托事项。"),
            "invalid_choice": _("未知的委托事项：%(value)s。"),
        },
    )
    start_date = forms.DateField(
        label=_("委托期限起"), widget=forms.DateInput(attrs={"type": "date"}), error_messages=DATE_ERRORS
    )
    end_date = forms.DateField(
        label=_("委托期限至"), widget=forms.DateInput(attrs={"type": "date"}), error_messages=DATE_ERRORS
    )
    description = forms.CharField(
        label=_("委托事项说明"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": DESCRIPTION_MAX_LENGTH}),
        help_text=_("打印在申请表的代理机构栏中，不超过180个字。"),
        error_messages={"max_length": _("委托事项说明不能超过180个字（现为%(show_value)d个字）。")},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("委托期限的结束日期必须晚于开始日期。"))
        return cleaned


class LetterUploadForm(forms.Form):
    file = forms.FileField(label=_("已签署的委托书"), error_messages={"required": _("请选择要上传的文件。")})


class DashboardFilterForm(forms.Form):
    client = forms.TypedChoiceField(label=_("委托人"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *FilingStatus.choices]
    )

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("全部")), *((user.pk, user.display_name) for user in clients)]
