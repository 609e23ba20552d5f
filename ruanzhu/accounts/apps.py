from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ruanzhu.accounts"
    label = "accounts"
    verbose_name = _("账户")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from ruanzhu.accounts.middleware import record_login_time

        user_logged_in.connect(record_login_time, dispatch_uid="ruanzhu_record_login_time")
