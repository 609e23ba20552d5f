from django import forms
from django.utils.translation import gettext_lazy as _

from ruanzhu.registry.selectors import PAGE_SIZE, PAGE_SIZE_MAX, SearchField
from ruanzhu.registry.tokens import QUERY_MAX_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("查询内容"),
        max_length=QUERY_MAX_LENGTH,
        error_messages={
            "required": _("请输入查询内容。"),
            "max_length": _("查询内容不能超过%(limit_value)d个字符。"),
        },
    )
    field = forms.ChoiceField(
        label=_("查询项"),
        choices=[
            (SearchField.NAME, _("软件名称")),
            (SearchField.OWNER, _("著作权人")),
            (SearchField.NUMBER, _("登记号")),
        ],
        required=False,
        error_messages={"invalid_choice": _("请选择查询项。")},
    )
    after = forms.CharField(required=False, max_length=40)
    size = forms.IntegerField(required=False, min_value=1, max_value=PAGE_SIZE_MAX)

    def clean_field(self):
        return self.cleaned_data["field"] or SearchField.NAME

    def clean_size(self):
        return self.cleaned_data["size"] or PAGE_SIZE
