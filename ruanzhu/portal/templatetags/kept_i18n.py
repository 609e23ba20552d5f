"""Django's i18n tags, with each ``{% translate "literal" %}`` rendered once per language instead of every time.

A page carries dozens of fixed labels, and each ``{% translate %}`` of one looks the text up in the active
catalogues on every render: on a filing's page, 54 of them were about a seventh of its CPU. The portal's templates
load this library (``{% load kept_i18n %}``) instead of Django's ``i18n``: every tag and filter is Django's, and a
``translate`` tag of a quoted string, without ``context``, ``noop`` or a filter, keeps what Django's own node
rendered, per active language and autoescaping. What it keeps is forgotten when a setting changes (tests switch
languages and catalogues). Django's own templates (the admin's) keep Django's library.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags import i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)

_generation = 0


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    global _generation
    _generation += 1


class KeptTranslateNode(i18n.TranslateNode):
    """A ``translate`` node of a fixed text: Django's rendering of it, kept per language and autoescaping."""

    def __init__(self, node: i18n.TranslateNode):
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.kept: tuple[int, dict] = (_generation, {})

    def render(self, context) -> str:
        generation, kept = self.kept
        if generation != _generation:
            kept = {}
            self.kept = (_generation, kept)
        key = (get_language(), context.autoescape)
        if key not in kept:
            output = super().render(context)
            kept[key] = context[self.asvar] if self.asvar else output
        if self.asvar:
            context[self.asvar] = kept[key]
            return ""
        return kept[key]


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    """Django's ``translate`` tag; a fixed text's rendering is kept (see the module's docstring)."""
    node = i18n.do_translate(parser, token)
    expression = node.filter_expression
    fixed = (
        not node.noop
        and node.message_context is None
        and not expression.filters
        and expression.var.lookups is None  # a quoted string, not a variable
    )
    return KeptTranslateNode(node) if fixed else node
