from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ruanzhu.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self):
        # Before any URL conf is read: every app's urls.py names these converters.
        from ruanzhu.core.converters import register_converters

        register_converters()

        # Connect the Celery signals that carry the request id to tasks, keep Django's logging in workers and
        # count task outcomes.
        from ruanzhu.core import logs, metrics, requestid  # noqa: F401
