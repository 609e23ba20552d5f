from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ruanzhu.accounts.models import User
from ruanzhu.core.phones import normalize_phone

CODE_FIELD = {"label": _("短信验证码"), "min_length": 6, "max_length": 6}


class PhoneField(forms.CharField):
    """A mobile number, cleaned to E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("手机号"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        return normalize_phone(value) if value else value


class CodeField(forms.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            regex=r"^\d{6}$",
            error_messages={"invalid": _("验证码为6位数字。")},
            **{**CODE_FIELD, **kwargs},
        )
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})


class SignupForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[\w.@+-]{4,30}$",
        max_length=30,
        error_messages={"invalid": _("用户名为4–30个字符，可用字母、数字、汉字和 @ . + - _")},
    )
    password = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput(render_value=False), max_length=128
    )
    password_again = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, max_length=128)
    phone = PhoneField()
    code = CodeField()
    email = forms.EmailField(label=_("电子邮箱"), max_length=254)
    institution_name = forms.CharField(label=_("机构名称"), max_length=100, required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == User.Kind.INSTITUTION:
            self.fields["institution_name"].required = True
        else:
            del self.fields["institution_name"]
        self.fields["password"].help_text = _("至少12个字符，不能是常见密码或纯数字。")

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("两次输入的密码不一致。"))
        return data


class SendCodeForm(forms.Form):
    phone = PhoneField()


class LoginForm(forms.Form):
    identifier = forms.CharField(label=_("用户名 / 手机号 / 邮箱"), max_length=254)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, max_length=128)


class StaffLoginForm(forms.Form):
    identifier = forms.CharField(label=_("用户名"), max_length=254)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, max_length=128)
    otp_token = forms.RegexField(
        label=_("动态口令（TOTP）"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": _("动态口令为6位数字。")},
    )


class PasswordResetRequestForm(forms.Form):
    phone = PhoneField(label=_("注册手机号"))


class PasswordResetForm(forms.Form):
    code = CodeField()
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, max_length=128)
    new_password_again = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput, max_length=128)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password_again") != data["new_password"]:
            self.add_error("new_password_again", _("两次输入的密码不一致。"))
        return data


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or to the form when it names none)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class PhoneChangeForm(forms.Form):
    password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput, max_length=128)
    new_phone = PhoneField(label=_("新手机号"))
    code = CodeField(required=False)
