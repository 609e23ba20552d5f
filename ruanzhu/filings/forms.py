"""Forms of the applicant's pages that are not a service's step forms: owners, uploads, codes, withdrawal."""

from django import forms
from django.utils.translation import gettext_lazy as _

# Which conditional field shows when: "<field>=<value>" of the field it depends on. The forms' clean() methods
# are the authority; this only spares the applicant fields that do not apply.
SHOW_WHEN = {
    "original_registration_number": "work_type=modified",
    "modification_description": "work_type=modified",
    "first_publication_date": "publication=published",
    "publication_country": "publication=published",
    "publication_city": "publication=published",
    "succession_kind": "acquisition=succession",
    "succession_registration_number": "acquisition=succession",
    "rights": "rights_scope=partial",
    "rights_other": "rights=other",
}


class OwnerAddForm(forms.Form):
    identifier = forms.CharField(
        label=_("手机号或用户名"),
        max_length=150,
        error_messages={"required": _("请输入著作权人的手机号或用户名。")},
    )


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
