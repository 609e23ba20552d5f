"""``{% api_token_section %}``: the API令牌 section of the account page, for the accounts that may hold tokens."""

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ruanzhu.api.forms import TokenCreateForm
from ruanzhu.api.selectors import token_list_of
from ruanzhu.api.services import may_hold_tokens

register = template.Library()

# The fields of the form as a new token's form shows them (no values, no errors), rendered once per language.
_NEW_TOKEN_FIELDS: dict[str, str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    _NEW_TOKEN_FIELDS.clear()


def token_fields(form: TokenCreateForm | None) -> str:
    """Return the HTML of the token form's fields: of ``form`` (as posted), or of a new form if None."""
    if form is None:
        language = get_language()
        if language not in _NEW_TOKEN_FIELDS:
            _NEW_TOKEN_FIELDS[language] = token_fields(TokenCreateForm())
        return _NEW_TOKEN_FIELDS[language]
    # The template's last line ends with a newline that the section's layout already has.
    return mark_safe(render_to_string("api/_token_fields.html", {"form": form}).removesuffix("\n"))  # noqa: S308


@register.inclusion_tag("api/_token_section.html", takes_context=True)
def api_token_section(context):
    user = context["request"].user
    if not user.is_authenticated or not may_hold_tokens(user):
        return {"shown": False}
    return {
        "shown": True,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "tokens": token_list_of(user),
        "fields": token_fields(context.get("api_token_form")),
        "issued": context.get("api_issued_token"),
        "rate": settings.API_TOKEN_RATE_PER_MINUTE,
    }
