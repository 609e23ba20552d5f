"""URLs without arguments and static files' URLs, worked out once per process instead of on every page.

The header and footer of every page link the same views and load the same static files: ``{% fixed_url 'name' %}``
and ``{% fixed_static 'path' %}`` give what ``{% url 'name' %}`` and ``{% static 'path' %}`` give, kept per script
prefix and forgotten when a setting changes (tests change them). Their argument is a quoted string.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape

register = template.Library()

_known: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    _known.clear()


class _FixedNode(template.Node):
    def __init__(self, work, argument: str):
        self.work = work
        self.argument = argument

    def render(self, context) -> str:
        if getattr(context.get("request"), "urlconf", None) is not None:
            # A request with its own URL conf (set by a middleware) is not kept.
            value = self.work(self.argument)
        else:
            key = (self.work, get_script_prefix(), self.argument)
            value = _known.get(key)
            if value is None:
                value = _known[key] = self.work(self.argument)
        return conditional_escape(value) if context.autoescape else value


def _quoted(parser, token) -> str:
    bits = token.split_contents()
    if len(bits) != 2 or len(bits[1]) < 2 or bits[1][0] not in "'\"" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted string")
    return bits[1][1:-1]


@register.tag
def fixed_url(parser, token):
    """``{% url 'name' %}`` for the URLs that take no arguments."""
    return _FixedNode(reverse, _quoted(parser, token))


@register.tag
def fixed_static(parser, token):
    """``{% static 'path' %}``."""
    return _FixedNode(static, _quoted(parser, token))
