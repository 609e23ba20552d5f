from django import template

from ruanzhu.filings.services.versions import form_versions_for_examiner

register = template.Library()


@register.inclusion_tag("examination/_form_versions.html")
def form_versions(filing):
    """Render the filing's form versions, their confirmations and what changed from one to the next."""
    return {"filing": filing, "versions": form_versions_for_examiner(filing)}
