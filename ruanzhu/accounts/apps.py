from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ruanzhu.accounts"
    label = "accounts"
    verbose_name = _("账户")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from ruanzhu.accounts.middleware import record_login_time
        from ruanzhu.accounts.throttle import record_login_failure, record_login_success

        user_logged_in.connect(record_login_time, dispatch_uid="ruanzhu_record_login_time")
        user_logged_in.connect(record_login_success, dispatch_uid="ruanzhu_login_throttle_success")
        user_login_failed.connect(record_login_failure, dispatch_uid="ruanzhu_login_throttle_failure")
