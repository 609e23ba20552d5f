from django import forms
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions.common import check_registration_number
from ruanzhu.registry.selectors import registration_get


class ReissueForm(forms.Form):
    """补发事项: which registration, and why its certificate is reissued."""

    registration_number = forms.CharField(label=_("登记号"), max_length=13)
    reason = forms.ChoiceField(label=_("补发理由"), choices=[("lost", "遗失"), ("damaged", "损毁")])

    def clean_registration_number(self):
        number = check_registration_number(self.cleaned_data["registration_number"])
        if registration_get(registration_number=number) is None:
            raise forms.ValidationError("登记号不在登记簿中。")
        return number
