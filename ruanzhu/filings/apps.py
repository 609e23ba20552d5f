from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "ruanzhu.filings"
    label = "filings"
    verbose_name = _("登记申请")
