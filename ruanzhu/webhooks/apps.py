from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "ruanzhu.webhooks"
    label = "webhooks"
    verbose_name = _("事件推送")

    def ready(self) -> None:
        from ruanzhu.webhooks import receivers  # noqa: F401  (connects the receiver of filing events)
