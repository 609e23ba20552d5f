"""The forms of the account page's API令牌 section."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ruanzhu.api.models import PersonalAccessToken

VALIDITY_DAYS = ((30, _("30天")), (90, _("90天")), (180, _("180天")), (365, _("1年")))


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("令牌名称"),
        max_length=60,
        help_text=_("用于区分不同的令牌，如“持续集成”。"),
        error_messages={"required": _("请填写令牌名称。")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=PersonalAccessToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("读取：查看申请和登记公告；填报：创建和修改草稿；提交：提交申请。"),
        error_messages={"required": _("请至少选择一项权限。")},
    )
    days = forms.TypedChoiceField(
        label=_("有效期"),
        coerce=int,
        initial=90,
        error_messages={"required": _("请选择有效期。"), "invalid_choice": _("请选择有效期。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, label) for days, label in VALIDITY_DAYS if days <= settings.API_TOKEN_MAX_DAYS
        ]


class TokenRevokeForm(forms.Form):
    token = forms.IntegerField(min_value=1, max_value=2**63 - 1)
