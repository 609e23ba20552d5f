"""The new token form's fields, rendered once per language, are the form's own; a posted form shows its own."""

from django.test import override_settings
from django.utils import translation

from ruanzhu.api.forms import TokenCreateForm
from ruanzhu.api.templatetags.api_tokens import token_fields


def _fresh(form: TokenCreateForm) -> str:
    return str(token_fields(form))


def test_the_kept_fields_are_those_a_new_form_renders_in_each_language():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert token_fields(None) == _fresh(TokenCreateForm())
    with translation.override("en"):
        english = token_fields(None)
    with translation.override("zh-hans"):
        assert token_fields(None) != english


def test_a_changed_setting_is_seen():
    with override_settings(API_TOKEN_MAX_DAYS=30):
        short = token_fields(None)
        assert short == _fresh(TokenCreateForm())
    assert token_fields(None) != short


def test_a_posted_form_shows_its_values_and_errors():
    form = TokenCreateForm({"name": "持续集成", "days": "999"})
    form.is_valid()
    fields = _fresh(form)
    assert 'value="持续集成"' in fields and "请至少选择一项权限。" in fields
    assert fields != token_fields(None)
