"""What a person sees: no text on the public pages has the colour of its own background, at desk and phone width.

A test that clicks by test id cannot see white text on white; this one reads the colours the browser computed.
"""

import pytest

from tests.browser.looks import INVISIBLE_TEXT

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/services/software/", "/registry/"]
WIDTHS = [(1366, 900), (390, 844)]


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_no_text_has_the_colour_of_its_background(page, portal, width, height):
    page.set_viewport_size({"width": width, "height": height})
    for path in PAGES:
        page.goto(path)
        assert page.evaluate(INVISIBLE_TEXT) == [], path


def test_the_header_signup_button_reads_blue_on_white(page, portal):
    page.goto("/")
    button = page.get_by_role("banner").get_by_role("link", name="注册", exact=True)
    colours = button.evaluate(
        "link => [getComputedStyle(link).color, getComputedStyle(link).backgroundColor]"
    )
    assert colours == ["rgb(11, 78, 162)", "rgb(255, 255, 255)"]


def test_the_header_keeps_its_margin_on_a_phone(page, portal):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    for name in ("软著", "版权登记"):
        left = page.get_by_role("banner").get_by_text(name, exact=True).first.bounding_box()["x"]
        assert left >= 12, (name, left)


def test_the_public_pages_load_every_file_they_ask_for(page, portal):
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert missing == []
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).status == 200
