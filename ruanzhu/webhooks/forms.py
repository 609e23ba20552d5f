from django import forms
from django.utils.translation import gettext_lazy as _

from ruanzhu.webhooks.http import AddressRefused, address_check


class EndpointCreateForm(forms.Form):
    url = forms.CharField(
        label=_("推送地址"),
        max_length=500,
        help_text=_("以 https:// 开头的公网地址，例如 https://example.com/ruanzhu/webhook"),
        error_messages={
            "required": _("请填写推送地址。"),
            "max_length": _("推送地址不能超过%(limit_value)d个字符。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("说明"),
        max_length=60,
        required=False,
        error_messages={"max_length": _("说明不能超过%(limit_value)d个字符。")},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            address_check(url)
        except AddressRefused as error:
            raise forms.ValidationError(error.message) from None
        return url
