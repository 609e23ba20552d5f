"""{% load kept_i18n %} gives Django's i18n tags, with each fixed {% translate %} text rendered once per language."""

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from ruanzhu.portal.templatetags.kept_i18n import KeptTranslateNode


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load kept_i18n %}" + source).render(Context(context))


def test_a_fixed_text_is_kept_per_language_and_follows_the_active_one():
    template = Template(
        '{% load kept_i18n %}{% translate "登录" %}|{% translate "登录" as label %}[{{ label }}]'
    )
    assert any(isinstance(node, KeptTranslateNode) for node in template.nodelist)
    for _ in range(2):  # the second time from what was kept
        with translation.override("en"):
            assert template.render(Context()) == "Log in|[Log in]"
        with translation.override("zh-hans"):
            assert template.render(Context()) == "登录|[登录]"


def test_the_output_is_django_s_own_in_every_language_and_escaping_mode():
    from django.template import Engine

    django_own = Engine(libraries={"i18n": "django.templatetags.i18n"})
    source = (
        '{% load LIBRARY %}{% translate "A & <b>" %}|{% translate "登录" %}|{% translate "100%" %}|'
        '{% translate "验证码" as code %}{{ code }}|{% translate "登录" as login %}{{ login|upper }}'
    )
    ours = Template(source.replace("LIBRARY", "kept_i18n"))
    source = source.replace("LIBRARY", "i18n")
    for _ in range(2):
        for language in ("en", "zh-hans"):
            for autoescape in (True, False):
                with translation.override(language):
                    expected = django_own.from_string(source).render(Context(autoescape=autoescape))
                    assert ours.render(Context(autoescape=autoescape)) == expected
    with translation.override("en"):
        assert ours.render(Context()) == "A & <b>|Log in|100%|Verification code|LOG IN"


def test_a_text_in_a_variable_or_with_a_context_or_filter_is_translated_each_time():
    template = Template(
        "{% load kept_i18n %}{% translate label %}|{% translate label|upper %}|"
        '{% translate "May" context "month name" %}|{% translate "登录" noop %}'
    )
    assert not any(isinstance(node, KeptTranslateNode) for node in template.nodelist)
    with translation.override("en"):
        assert template.render(Context({"label": "登录"})) == "Log in|LOG IN|May|登录"
        assert template.render(Context({"label": "验证码"})).startswith("Verification code|")


def test_what_is_kept_is_forgotten_when_a_setting_changes():
    template = Template('{% load kept_i18n %}{% translate "登录" %}')
    with translation.override("en"):
        assert template.render(Context()) == "Log in"
    node = next(node for node in template.nodelist if isinstance(node, KeptTranslateNode))
    node.kept[1][("en", True)] = "stale"
    with override_settings(LANGUAGES=[("en", "English")]), translation.override("en"):
        assert template.render(Context()) == "Log in"


def test_the_portal_s_templates_load_the_kept_library():
    # A template that loads Django's i18n still works, but renders its fixed texts the slow way.
    import re
    from pathlib import Path

    import ruanzhu

    loads = re.compile(r"\{% load ([^%]*)%\}")
    slow = [
        str(path)
        for path in Path(ruanzhu.__file__).parent.rglob("templates/**/*.html")
        for libraries in loads.findall(path.read_text())
        if "i18n" in libraries.split()
    ]
    assert not slow, slow
