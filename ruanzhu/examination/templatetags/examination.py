from django import template

from ruanzhu.examination.panel import examination_panel as panel_context

register = template.Library()


@register.inclusion_tag("examination/_filing_panel.html", takes_context=True)
def examination_panel(context, filing):
    """Render the 补正 notice and the certificate link of ``filing`` for the current user."""
    return {"panel": panel_context(user=context["request"].user, filing=filing)}
