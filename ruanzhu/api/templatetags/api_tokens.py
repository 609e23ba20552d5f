"""``{% api_token_section %}``: the API令牌 section of the account page, for the accounts that may hold tokens."""

from django import template
from django.conf import settings

from ruanzhu.api.forms import TokenCreateForm
from ruanzhu.api.selectors import tokens_of
from ruanzhu.api.services import may_hold_tokens

register = template.Library()


@register.inclusion_tag("api/_token_section.html", takes_context=True)
def api_token_section(context):
    user = context["request"].user
    if not user.is_authenticated or not may_hold_tokens(user):
        return {"shown": False}
    return {
        "shown": True,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "tokens": tokens_of(user),
        "form": context.get("api_token_form") or TokenCreateForm(),
        "issued": context.get("api_issued_token"),
        "rate": settings.API_TOKEN_RATE_PER_MINUTE,
    }
