"""Links worked out once: ``{% fixed_url %}``, ``{% fixed_static %}`` and ``reversed_once`` give what ``{% url %}``,
``{% static %}`` and ``reverse`` give, under any script prefix and after a setting changes."""

import pytest
from django.template import engines
from django.urls import clear_script_prefix, reverse, set_script_prefix

from ruanzhu.portal import links
from ruanzhu.portal.links import reversed_once

NAMES = ["home", "filings:catalog", "registry:search", "accounts:profile", "set_language"]
PATHS = ["css/ruanzhu.css", "favicon.svg", "vendor/htmx.min.js"]


def render(source: str) -> str:
    return engines["django"].from_string("{% load fixed static %}" + source).render({})


@pytest.fixture
def prefixed():
    set_script_prefix("/portal/")
    yield
    clear_script_prefix()


def both(name: str) -> tuple[str, str]:
    return render(f"{{% fixed_url '{name}' %}}"), render(f"{{% url '{name}' %}}")


@pytest.mark.parametrize("name", NAMES)
def test_a_fixed_url_is_the_url(name):
    fixed, reversed_ = both(name)
    assert fixed == reversed_
    assert fixed.startswith("/")


def test_a_fixed_url_follows_the_script_prefix(prefixed):
    for name in NAMES:
        fixed, reversed_ = both(name)
        assert fixed == reversed_
        assert fixed.startswith("/portal/")


@pytest.mark.parametrize("path", PATHS)
def test_a_fixed_static_is_the_static_url_before_and_after_the_setting_changes(path, settings):
    assert render(f"{{% fixed_static '{path}' %}}") == render(f"{{% static '{path}' %}}")
    settings.STATIC_URL = "/elsewhere/"
    fixed = render(f"{{% fixed_static '{path}' %}}")
    assert fixed == render(f"{{% static '{path}' %}}")
    assert fixed.startswith("/elsewhere/")


def test_the_tags_take_one_quoted_string():
    for source in ("{% fixed_url home %}", "{% fixed_url 'home' 'x' %}", "{% fixed_static %}"):
        with pytest.raises(Exception, match="quoted string"):
            render(source)


@pytest.mark.parametrize(
    ("name", "stand_ins", "args"),
    [
        ("filings:detail", (links.ID,), (7,)),
        ("filings:detail", (links.ID,), (123456789012,)),
        ("filings:step", (links.ID, links.SLUG), (42, "confirm")),
        ("filings:delete", (links.ID,), (1,)),
        ("examination:detail", (links.ID,), (99,)),
        ("registry:record", (links.REGISTRATION_NUMBER,), ("2026SR0000001",)),
    ],
)
def test_reversed_once_builds_the_path_that_reverse_gives(name, stand_ins, args, prefixed):
    assert reversed_once(name, *stand_ins)(*args) == reverse(name, args=args)
    clear_script_prefix()
    assert reversed_once(name, *stand_ins)(*args) == reverse(name, args=args)
