from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OtpConfig(AppConfig):
    name = "ruanzhu.otp"
    label = "otp"
    verbose_name = _("验证码")
