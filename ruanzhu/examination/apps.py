from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExaminationConfig(AppConfig):
    name = "ruanzhu.examination"
    label = "examination"
    verbose_name = _("审查")
