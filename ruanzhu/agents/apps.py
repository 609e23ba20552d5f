from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentsConfig(AppConfig):
    name = "ruanzhu.agents"
    label = "agents"
    verbose_name = _("代理机构")
