"""Key pages rendered in English show no Chinese in <main>, apart from the user's own data."""

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import staff_session

CJK = re.compile(r"[\u4e00-\u9fff]")
LOCALE = Path(settings.BASE_DIR) / "ruanzhu" / "locale" / "en" / "LC_MESSAGES"
# Text that is read, not translated: labels of attributes a user agent shows or speaks.
SHOWN_ATTRIBUTES = {"aria-label", "placeholder", "title", "alt"}


class MainText(HTMLParser):
    """Collect the text of <main> and the attributes inside it that are shown or read aloud."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main" or self.depth:
            self.depth += tag not in {"input", "br", "img", "meta", "link", "hr"}
            self.parts.extend(value for name, value in attrs if name in SHOWN_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def main_text(response, *, user_data=()) -> str:
    parser = MainText()
    parser.feed(response.content.decode())
    assert parser.parts, "the page has no <main>"
    text = " ".join(" ".join(parser.parts).split())
    for value in user_data:
        text = text.replace(value, "")
    return text


def assert_english(response, *, user_data=()):
    assert response.status_code in {200, 400}, response.status_code
    assert '<html lang="en">' in response.content.decode()
    text = main_text(response, user_data=user_data)
    assert not CJK.search(text), text


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    # LocaleMiddleware leaves the request's language active in this thread; later tests expect the default.
    translation.deactivate()


def test_the_compiled_catalogue_is_up_to_date(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    assert (LOCALE / "django.mo").is_file(), (
        "compile the catalogue: make messages (or manage.py compilemessages)"
    )
    assert (LOCALE / "django.mo").read_bytes() == compiled.read_bytes(), (
        "django.mo is older than django.po: make messages (or manage.py compilemessages)"
    )


def test_main_text_keeps_text_and_shown_attributes_of_main_only():
    class Page:
        content = (
            b'<html><header>\xe4\xb8\xad\xe6\x96\x87</header><main><nav aria-label="Breadcrumb">'
            b'<a href="/">Home</a></nav><input value="x" placeholder="Phone"><p>Hi <b>you</b></p></main>'
            b"<footer>Bye</footer></html>"
        )

    assert main_text(Page) == "Breadcrumb Home Phone Hi you"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/services/software/",
        "/accounts/login/",
        "/accounts/login/?tab=institution",
        "/accounts/signup/",
        "/accounts/staff/login/",
        "/accounts/password/reset/",
    ],
)
def test_public_pages_are_in_english(english, db, url):
    response = english.get(url)
    assert_english(response)


def test_the_software_catalogue_offers_register_now(english, db):
    response = english.get("/services/software/")
    assert "Register now" in main_text(response)
    assert "Software copyright registrations" in main_text(response)


@pytest.mark.parametrize("kind", ["individual", "institution"])
def test_sign_up_pages_are_in_english(english, db, kind):
    response = english.post("/accounts/signup/")
    assert response.status_code == 302
    assert_english(english.get("/accounts/signup/kind/"))
    assert_english(english.get(f"/accounts/signup/{kind}/"))
    # Errors come from the form, the phone check and Django's own validation.
    assert_english(english.post(f"/accounts/signup/{kind}/", {"action": "register", "password": "1"}))
    assert_english(english.post(f"/accounts/signup/{kind}/", {"action": "send_code", "phone": "123"}))
    sent = english.post(f"/accounts/signup/{kind}/", {"action": "send_code", "phone": "13900000777"})
    assert_english(sent)
    assert "A code has been sent to" in main_text(sent)


def test_login_errors_are_in_english(english, alice, acme):
    response = english.post(
        "/accounts/login/", {"tab": "individual", "identifier": "alice", "password": "no"}
    )
    assert_english(response)
    assert "Incorrect account or password." in main_text(response)
    response = english.post(
        "/accounts/login/", {"tab": "individual", "identifier": "acme", "password": "Correct-Horse-Battery-9"}
    )
    assert_english(response)
    assert "“Institution user” tab" in main_text(response)


def test_pages_of_a_logged_in_account_are_in_english(english, newcomer, acme):
    english.force_login(newcomer)
    assert_english(english.get("/services/software/verify-first/"))
    assert_english(english.get("/accounts/me/"))
    english.force_login(acme)
    assert_english(english.get("/accounts/me/"), user_data=[acme.institution_name])
    response = english.get("/services/software/R11/start/")
    assert_english(response)
    assert "Application for computer software copyright registration" in main_text(response)


def test_the_workbench_is_in_english(english, reviewer):
    staff_session(english, reviewer)
    response = english.get("/staff/")
    assert_english(response)
    assert "Workbench" in main_text(response)


def test_a_legal_document_offered_on_an_english_page_is_said_to_be_in_chinese(english, agent, verified_alice):
    from django.test import Client

    from tests.factories import MandateFactory

    mandate = MandateFactory(agent=agent, client=verified_alice)
    english.force_login(agent)
    page = english.get(f"/agents/mandates/{mandate.pk}/").content.decode()
    assert 'data-testid="chinese-document"' in page and "in Chinese only" in page
    chinese = Client()
    chinese.force_login(agent)
    assert (
        'data-testid="chinese-document"'
        not in chinese.get(f"/agents/mandates/{mandate.pk}/").content.decode()
    )
